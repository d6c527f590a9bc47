-- SPDX-License-Identifier: BSD-2-Clause
-- conn.lua - one milter session with chosen connect macros and texts.
--
-- usage: miltertest -D port=PORT -D ip=IP -D host=NAME [-D resolve=OK]
--                   -D rcpt=TEXT -s conn.lua
--
-- Sends {client_resolve} (when given) with the connect information (host
-- NAME, address IP), MAIL FROM <s@x.org>, RCPT TO TEXT (which may hold any
-- byte, "\n" included), and prints "RCPT <reply byte>".
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then
	io.stdout:write("RCPT error\n")
	return
end
if resolve ~= nil then
	mt.macro(conn, SMFIC_CONNECT, "{client_resolve}", resolve)
end
mt.conninfo(conn, host, ip)
mt.macro(conn, SMFIC_MAIL, "{mail_mailer}", "smtp", "{mail_addr}", "s@x.org")
mt.mailfrom(conn, "<s@x.org>")
local text = rcpt:gsub("\\n", "\n")
mt.rcptto(conn, text)
io.stdout:write("RCPT " .. tostring(mt.getreply(conn)) .. "\n")
io.stdout:flush()
mt.disconnect(conn)
