-- SPDX-License-Identifier: BSD-2-Clause
-- vectors.lua - replay decision vectors through a running milter.
--
-- usage: miltertest -D recfile=PATH -D port=PORT -s tests/milter/vectors.lua
--
-- PATH holds the records that tests/vectors/vecread.awk prints for a .vec
-- file (format: tests/vectors/README.md); only "V" records are replayed.
-- For each one this opens a new milter connection to inet:PORT@127.0.0.1,
-- sends the connect information, the MAIL macros ({auth_authen} and
-- {auth_type} when the vector has an auth user, {mail_addr} when it gives
-- the MTA's reading of the sender, {mail_mailer} always), MAIL FROM, the
-- RCPT macro {rcpt_addr} when the vector gives one, and RCPT TO, and prints
-- one line to stdout:
--
--     VECTOR <n> <reply>
--
-- n counts vectors from 1; reply is the milter's answer to the first
-- stage that did not continue (or to RCPT): continue, replycode, reject,
-- tempfail, accept, discard, ..., "other-X" for an unknown reply byte X,
-- "error" when miltertest itself failed (details on stderr).
--
-- Notes on miltertest 2.11.0~beta2 (Debian 12):
-- * mt.conninfo(conn, host, ip) tries inet_pton(AF_INET6) first, then
--   AF_INET, and sends family '6' or '4' with the address text, so libmilter
--   builds an AF_INET6 sockaddr for "2001:db8::1" and for "::ffff:1.2.3.4"
--   (the latter is NOT turned into AF_INET).  "unspec" sends family 'U'
--   (the milter then gets a NULL sockaddr); a vector ip of "-" uses it.
-- * Lua error() texts are not printed by miltertest, so failures are caught
--   with pcall and written to stderr here.

local function trim(s)
	return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function out(s)
	io.stdout:write(s, "\n")
	io.stdout:flush()
end

local function warn(s)
	io.stderr:write("vectors.lua: ", s, "\n")
	io.stderr:flush()
end

local names = {
	[SMFIR_CONTINUE] = "continue",
	[SMFIR_REPLYCODE] = "replycode",
	[SMFIR_REJECT] = "reject",
	[SMFIR_TEMPFAIL] = "tempfail",
	[SMFIR_ACCEPT] = "accept",
	[SMFIR_DISCARD] = "discard",
}

local function replyname(r)
	if r == nil then
		return "none"
	end
	local n = names[r]
	if n then
		return n
	end
	local ok, c = pcall(string.char, math.floor(r))
	if ok and c:match("^[%w]$") then
		return "other-" .. c
	end
	return "other-" .. tostring(math.floor(r))
end

local function isreply(r, want)
	return r ~= nil and math.floor(r) == math.floor(want)
end

-- split a record at tabs (vecread.awk never prints an empty field)
local function fields(line)
	local f = {}
	for x in line:gmatch("[^\t]+") do
		f[#f + 1] = x
	end
	return f
end

-- an optional record field: "-" absent, else "=" and the value
local function opt(x)
	if x == "-" then
		return nil
	end
	return x:sub(2)
end

if recfile == nil or port == nil then
	warn("usage: miltertest -D recfile=PATH -D port=PORT -s vectors.lua")
	error("missing -D recfile / -D port")
end

local sock = "inet:" .. port .. "@127.0.0.1"

-- one vector: returns the reply name
local function run(f)
	local ip, host, auth, from = f[5], f[6], f[7], f[8]
	local mfrom, rcpt, mrcpt = opt(f[9]), f[10], opt(f[11])
	local addr = ip
	if ip == "-" or ip == "" then
		addr = "unspec"
		if host == "-" then
			host = "unknown"
		end
	elseif host == "-" then
		host = "[" .. ip .. "]"
	end

	local cok, conn = pcall(mt.connect, sock, 40, 0.25)
	if not cok or conn == nil then
		warn("mt.connect(" .. sock .. ") failed: " .. tostring(conn))
		return "error"
	end

	local result
	local ok, err = pcall(function()
		local e = mt.conninfo(conn, host, addr)
		if e ~= nil then
			error("mt.conninfo(): " .. tostring(e))
		end
		local r = mt.getreply(conn)
		if not isreply(r, SMFIR_CONTINUE) then
			result = replyname(r)
			return
		end

		local m = { "{mail_mailer}", "smtp" }
		if auth ~= "-" then
			m[#m + 1] = "{auth_authen}"
			m[#m + 1] = auth
			m[#m + 1] = "{auth_type}"
			m[#m + 1] = "PLAIN"
		end
		if mfrom ~= nil then
			m[#m + 1] = "{mail_addr}"
			m[#m + 1] = mfrom
		end
		mt.macro(conn, SMFIC_MAIL, table.unpack(m))
		e = mt.mailfrom(conn, from)
		if e ~= nil then
			error("mt.mailfrom(): " .. tostring(e))
		end
		r = mt.getreply(conn)
		if not isreply(r, SMFIR_CONTINUE) then
			result = replyname(r)
			return
		end

		if mrcpt ~= nil then
			mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", mrcpt,
				 "{rcpt_mailer}", "smtp")
		end
		e = mt.rcptto(conn, rcpt)
		if e ~= nil then
			error("mt.rcptto(): " .. tostring(e))
		end
		result = replyname(mt.getreply(conn))
	end)
	if not ok then
		warn("vector failed: " .. tostring(err))
		result = "error"
	end
	pcall(mt.disconnect, conn)
	return result
end

local fh, ferr = io.open(recfile, "r")
if fh == nil then
	warn("cannot open " .. tostring(recfile) .. ": " .. tostring(ferr))
	error("cannot open recfile")
end

local n = 0
for line in fh:lines() do
	local f = fields(line)
	if f[1] == "V" then
		n = n + 1
		out("VECTOR " .. n .. " " .. run(f))
	end
end
fh:close()
