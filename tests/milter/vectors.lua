-- vectors.lua - replay a decision-vector file through a running milter.
--
-- usage: miltertest -D vecfile=PATH -D port=PORT -s tests/milter/vectors.lua
--
-- For every vector line of PATH (format: tests/vectors/README.md) this opens
-- a new milter connection to inet:PORT@127.0.0.1, sends the connect
-- information, the MAIL macros ({auth_authen}/{auth_type} when the vector
-- has an auth user, {mail_mailer} always), MAIL FROM and RCPT TO, and prints
-- one line to stdout:
--
--     VECTOR <n> <reply>
--
-- n counts vector lines from 1; reply is the milter's answer to the first
-- stage that did not continue (or to RCPT): continue, replycode, reject,
-- tempfail, accept, discard, ..., "other-X" for an unknown reply byte X,
-- "error" when miltertest itself failed (details on stderr), "badline" for
-- a line with fewer than six fields.
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

-- split a vector line: six '|'-separated fields, the seventh is the rest
-- of the line (like `cut -d'|' -f7-`); all trimmed
local function fields(line)
	local f = {}
	local rest = line
	for i = 1, 6 do
		local p = rest:find("|", 1, true)
		if p == nil then
			f[i] = trim(rest)
			return f, i
		end
		f[i] = trim(rest:sub(1, p - 1))
		rest = rest:sub(p + 1)
	end
	f[7] = trim(rest)
	return f, 7
end

if vecfile == nil or port == nil then
	warn("usage: miltertest -D vecfile=PATH -D port=PORT -s vectors.lua")
	error("missing -D vecfile / -D port")
end

local sock = "inet:" .. port .. "@127.0.0.1"

-- one vector: returns the reply name
local function run(f)
	local ip, host, auth, from, rcpt = f[2], f[3], f[4], f[5], f[6]
	local addr = ip
	if ip == "-" or ip == "" then
		addr = "unspec"
		if host == "-" then
			host = "unknown"
		end
	elseif host == "-" then
		host = "[" .. ip .. "]"
	end
	if from == "-" then
		from = "<>"
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

		if auth ~= "-" and auth ~= "" then
			mt.macro(conn, SMFIC_MAIL, "{auth_authen}", auth,
				 "{auth_type}", "PLAIN", "{mail_mailer}", "smtp")
		else
			mt.macro(conn, SMFIC_MAIL, "{mail_mailer}", "smtp")
		end
		e = mt.mailfrom(conn, from)
		if e ~= nil then
			error("mt.mailfrom(): " .. tostring(e))
		end
		r = mt.getreply(conn)
		if not isreply(r, SMFIR_CONTINUE) then
			result = replyname(r)
			return
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

local fh, ferr = io.open(vecfile, "r")
if fh == nil then
	warn("cannot open " .. tostring(vecfile) .. ": " .. tostring(ferr))
	error("cannot open vecfile")
end

local n = 0
local lineno = 0
for line in fh:lines() do
	lineno = lineno + 1
	local t = trim(line)
	if t == "" or t:sub(1, 1) == "#" then
		-- comment or blank
	elseif t:match("^control%s") or t:match("^rules%s")
	    or t:match("^config%s") then
		-- directive: handled by run-vectors.sh
	else
		n = n + 1
		local f, nf = fields(t)
		if nf < 6 then
			warn(vecfile .. ":" .. lineno .. ": fewer than six fields")
			out("VECTOR " .. n .. " badline")
		else
			out("VECTOR " .. n .. " " .. run(f))
		end
	end
end
fh:close()
