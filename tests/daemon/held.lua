-- SPDX-License-Identifier: BSD-2-Clause
-- held.lua - one milter session that waits between MAIL and RCPT, so that
-- a test can change files (or reload) while the session is open.
--
-- usage: miltertest -D port=PORT -D ip=IP -D rcpt=ADDR -D go=FILE -s held.lua
--
-- Connects to inet:PORT@127.0.0.1 as client IP, sends MAIL FROM <s@x.org>,
-- waits until FILE exists (up to 300 s), sends RCPT TO <ADDR> and prints
-- "RCPT <reply byte>" (the daemon's log says the verdict).
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then
	io.stdout:write("RCPT error\n")
	return
end
mt.conninfo(conn, "[" .. ip .. "]", ip)
mt.macro(conn, SMFIC_MAIL, "{mail_mailer}", "smtp", "{mail_addr}", "s@x.org")
mt.mailfrom(conn, "<s@x.org>")
local n = 0
while n < 3000 do
	local f = io.open(go, "r")
	if f then
		f:close()
		break
	end
	mt.sleep(0.1)
	n = n + 1
end
mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", rcpt, "{rcpt_mailer}", "smtp")
local ok = pcall(mt.rcptto, conn, "<" .. rcpt .. ">")
local r = ok and mt.getreply(conn) or nil
io.stdout:write("RCPT " .. tostring(r) .. "\n")
io.stdout:flush()
pcall(mt.disconnect, conn)
