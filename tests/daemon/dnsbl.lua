-- SPDX-License-Identifier: BSD-2-Clause
-- dnsbl.lua - one milter session as the MTA sends it for a client on a
-- given listener, with or without SMTP AUTH.
--
-- usage: miltertest -D port=PORT -D ip=IP [-D listener=NAME] [-D auth=USER]
--                   -D rcpts=A,B,... -s dnsbl.lua
--
-- Sends {daemon_name} (when given) at connect, {auth_authen} (when given)
-- at MAIL, then RCPT TO <A>, <B>, ... and prints "RCPT A <reply byte>"
-- for each (the daemon's log has the verdict and the reply text).
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then
	io.stdout:write("RCPT error\n")
	return
end
if listener ~= nil then
	mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", listener)
end
mt.conninfo(conn, "[" .. ip .. "]", ip)
if auth ~= nil then
	mt.macro(conn, SMFIC_MAIL, "{mail_mailer}", "smtp", "{mail_addr}",
		 "s@x.org", "{auth_authen}", auth, "{auth_type}", "PLAIN")
else
	mt.macro(conn, SMFIC_MAIL, "{mail_mailer}", "smtp", "{mail_addr}",
		 "s@x.org")
end
mt.mailfrom(conn, "<s@x.org>")
for r in string.gmatch(rcpts, "[^,]+") do
	mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", r, "{rcpt_mailer}", "smtp")
	local ok = pcall(mt.rcptto, conn, "<" .. r .. ">")
	local reply = ok and mt.getreply(conn) or nil
	io.stdout:write("RCPT " .. r .. " " .. tostring(reply) .. "\n")
end
io.stdout:flush()
pcall(mt.disconnect, conn)
