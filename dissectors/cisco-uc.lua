-- Wireshark dissectors for the Cisco UC security protocols that Wireshark does not decode:
--   TVS  (Trust Verification Service, TCP 2445 over TLS)    docs/reference/tvs.md
--   CAPF (Certificate Authority Proxy Function, TCP 3804)   docs/reference/capf.md
--   the CTL/ITL trust-list TLV format (CTLFile.tlv, ITLFile.tlv, .sgn headers), as a dissector that
--   can be applied to a file's bytes ("cisco_tlv"), for exported TFTP objects
-- Written from uclab's own codecs (devices/protocols/tvs.ts, devices/protocols/capf.ts, certs/tlv.ts).
--
-- Use:  tshark -X lua_script:dissectors/cisco-uc.lua -o tls.keylog_file:keys.log -r lab.pcapng -Y cisco_tvs
-- Both ports are registered as TLS (tshark 4.0 maps 3804 to HiQnet) and their decrypted payload is
-- handed to these dissectors; messages split over several TLS records are reassembled.

local TVS_PORT = 2445
local CAPF_PORT = 3804

-- ------------------------------------------------------------------------------------------ shared

-- TLVs: tag u8, length u16 BE, value (docs/reference/tvs.md, capf.md).
local function each_tlv(tvb, offset, limit, fn)
  while offset + 3 <= limit do
    local tag = tvb(offset, 1):uint()
    local len = tvb(offset + 1, 2):uint()
    if offset + 3 + len > limit then
      return false, offset
    end
    fn(tag, len, offset)
    offset = offset + 3 + len
  end
  return offset == limit, offset
end

local function cstring(range)
  local s = range:string()
  return (s:gsub("%z+$", ""))
end

local function hex_colon(range)
  local b = range:bytes()
  local parts = {}
  for i = 0, b:len() - 1 do
    parts[#parts + 1] = string.format("%02X", b:get_index(i))
  end
  return table.concat(parts, ":")
end

-- Length-prefixed messages over a byte stream: ask the TLS/TCP layer for more bytes until whole.
local function stream_pdus(tvb, pinfo, header_len, length_at, dissect_one)
  local offset = 0
  local total_len = tvb:len()
  while offset < total_len do
    local remaining = total_len - offset
    if remaining < header_len then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      return total_len
    end
    local body_len = tvb(offset + length_at, 2):uint()
    local pdu_len = header_len + body_len
    if remaining < pdu_len then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = pdu_len - remaining
      return total_len
    end
    dissect_one(tvb:range(offset, pdu_len):tvb(), pinfo)
    offset = offset + pdu_len
  end
  return total_len
end

-- ------------------------------------------------------------------------------------------ TVS

local tvs = Proto("cisco_tvs", "Cisco Trust Verification Service")

local TVS_COMMANDS = {
  [1] = "TVS_MSG_CERT_VERIFICATION_REQ",
  [2] = "TVS_MSG_CERT_VERIFICATION_RES",
  [3] = "TVS_MSG_QUERY_CERT_REQ",
  [4] = "TVS_MSG_QUERY_CERT_RES",
}
local TVS_TAGS = {
  [1] = "Device name", [2] = "Certificate", [3] = "Subject", [4] = "Issuer", [5] = "Serial number",
  [7] = "Status", [8] = "Roles", [9] = "TTL",
}
local ROLES = {
  [0] = "SAST", [1] = "CCM", [2] = "CCM+TFTP", [3] = "TFTP", [4] = "CAPF", [7] = "APP-SERVER", [21] = "TVS",
}
local TVS_STATUS = { [0] = "valid", [1] = "invalid" }

local tf = tvs.fields
tf.protocol = ProtoField.uint8("cisco_tvs.protocol", "Protocol discriminator", base.HEX)
tf.version = ProtoField.uint8("cisco_tvs.version", "Version", base.DEC)
tf.command = ProtoField.uint8("cisco_tvs.command", "Command", base.DEC, TVS_COMMANDS)
tf.reserved = ProtoField.uint8("cisco_tvs.reserved", "Reserved", base.HEX)
tf.session = ProtoField.uint32("cisco_tvs.session", "Session id", base.DEC)
tf.length = ProtoField.uint16("cisco_tvs.length", "Length", base.DEC)
tf.tag = ProtoField.uint8("cisco_tvs.tag", "Element", base.DEC, TVS_TAGS)
tf.elen = ProtoField.uint16("cisco_tvs.element_length", "Element length", base.DEC)
tf.device = ProtoField.string("cisco_tvs.device_name", "Device name")
tf.cert = ProtoField.bytes("cisco_tvs.certificate", "Certificate (DER)")
tf.subject = ProtoField.string("cisco_tvs.subject", "Subject")
tf.issuer = ProtoField.string("cisco_tvs.issuer", "Issuer")
tf.serial = ProtoField.string("cisco_tvs.serial", "Serial number")
tf.status = ProtoField.uint8("cisco_tvs.status", "Status", base.DEC, TVS_STATUS)
tf.role = ProtoField.uint8("cisco_tvs.role", "Role", base.DEC, ROLES)
tf.ttl = ProtoField.uint32("cisco_tvs.ttl", "TTL (seconds)", base.DEC)
local tvs_malformed = ProtoExpert.new("cisco_tvs.malformed", "Malformed TVS element list",
  expert.group.MALFORMED, expert.severity.ERROR)
tvs.experts = { tvs_malformed }

local function tvs_message(tvb, pinfo, root)
  local tree = root:add(tvs, tvb(), "Cisco TVS")
  tree:add(tf.protocol, tvb(0, 1))
  tree:add(tf.version, tvb(1, 1))
  tree:add(tf.command, tvb(2, 1))
  tree:add(tf.reserved, tvb(3, 1))
  tree:add(tf.session, tvb(4, 4))
  tree:add(tf.length, tvb(8, 2))
  local cmd = tvb(2, 1):uint()
  pinfo.cols.protocol = "TVS"
  pinfo.cols.info:append((TVS_COMMANDS[cmd] or ("command " .. cmd)) .. " ")
  local whole = each_tlv(tvb, 10, tvb:len(), function(tag, len, at)
    local v = tvb(at + 3, len)
    local el = tree:add(tvb(at, 3 + len), TVS_TAGS[tag] or ("Element " .. tag))
    el:add(tf.tag, tvb(at, 1))
    el:add(tf.elen, tvb(at + 1, 2))
    if len == 0 then return end
    if tag == 1 then
      -- A 0x01 type byte, then the ASCII name without a NUL (docs/reference/tvs.md).
      el:add(tf.device, v:range(len > 1 and 1 or 0))
    elseif tag == 2 then
      el:add(tf.cert, v)
    elseif tag == 3 then
      el:add(tf.subject, v, cstring(v))
    elseif tag == 4 then
      el:add(tf.issuer, v, cstring(v))
    elseif tag == 5 then
      el:add(tf.serial, v, hex_colon(v))
    elseif tag == 7 then
      el:add(tf.status, v:range(0, 1))
    elseif tag == 8 then
      for i = 0, len - 1 do el:add(tf.role, v:range(i, 1)) end
    elseif tag == 9 and len == 4 then
      el:add(tf.ttl, v)
    end
  end)
  if not whole then tree:add_proto_expert_info(tvs_malformed) end
end

function tvs.dissector(tvb, pinfo, tree)
  if tvb:len() >= 1 and tvb(0, 1):uint() ~= 0x57 then return 0 end
  return stream_pdus(tvb, pinfo, 10, 8, function(pdu, p) tvs_message(pdu, p, tree) end)
end

-- ------------------------------------------------------------------------------------------ CAPF

local capf = Proto("cisco_capf", "Cisco Certificate Authority Proxy Function")

local CAPF_COMMANDS = {
  [1] = "CAPF_MSG_AUTH_REQ", [2] = "CAPF_MSG_AUTH_RES", [3] = "CAPF_MSG_KEY_GEN_REQ",
  [4] = "CAPF_MSG_KEY_GEN_RES", [5] = "CAPF_MSG_ENCRYPT_RES", [6] = "CAPF_MSG_ENCRYPT_REQ",
  [7] = "CAPF_MSG_DECRYPT_REQ", [8] = "CAPF_MSG_DECRYPT_RES", [9] = "CAPF_MSG_STORE_CERT_REQ",
  [10] = "CAPF_MSG_STORE_CERT_RES", [11] = "CAPF_MSG_FETCH_CERT_REQ", [12] = "CAPF_MSG_FETCH_CERT_RES",
  [13] = "CAPF_MSG_DELETE_CERT_REQ", [14] = "CAPF_MSG_DELETE_CERT_RES", [15] = "CAPF_MSG_END_SESSION",
  [16] = "CAPF_MSG_RETRY_LATER", [17] = "CAPF_MSG_REQ_IN_PROGRESS", [18] = "CAPF_MSG_STATUS_REQ",
  [19] = "CAPF_MSG_STATUS_RES", [20] = "CAPF_MSG_ABORT_REQ", [21] = "CAPF_MSG_ABORT_RES",
  [22] = "CAPF_MSG_SIGN_CERT_REQ", [23] = "CAPF_MSG_SIGN_CERT_RES",
}
local CAPF_TAGS = {
  [1] = "Reason", [2] = "Reason info", [3] = "Certificate type", [4] = "Certificate", [5] = "Certificate id",
  [6] = "Signed data", [7] = "Version", [8] = "Authentication type", [9] = "Public key", [10] = "Key size",
  [11] = "Authentication string", [12] = "Retry delay", [13] = "Device name", [16] = "SUDI data",
  [17] = "Key type", [18] = "Curve", [19] = "Digest type", [20] = "SHA-2 signed data",
}
local REASONS = { [0] = "no action", [1] = "update certificate", [7] = "invalid element", [9] = "unknown device" }
local CERT_TYPES = { [1] = "LSC", [2] = "MIC" }
local AUTH_TYPES = {
  [0] = "none", [1] = "authentication string", [2] = "null string", [3] = "existing LSC", [4] = "existing MIC",
}
local KEY_TYPES = { [0] = "RSA", [1] = "EC" }
local CURVES = { [0] = "secp256r1", [1] = "secp384r1", [2] = "secp521r1" }

local cf = capf.fields
cf.protocol = ProtoField.uint8("cisco_capf.protocol", "Protocol discriminator", base.HEX)
cf.command = ProtoField.uint8("cisco_capf.command", "Command", base.DEC, CAPF_COMMANDS)
cf.session = ProtoField.uint32("cisco_capf.session", "Session id", base.DEC)
cf.length = ProtoField.uint16("cisco_capf.length", "Length", base.DEC)
cf.tag = ProtoField.uint8("cisco_capf.tag", "Element", base.DEC, CAPF_TAGS)
cf.elen = ProtoField.uint16("cisco_capf.element_length", "Element length", base.DEC)
cf.reason = ProtoField.uint8("cisco_capf.reason", "Reason", base.DEC, REASONS)
cf.reason_info = ProtoField.string("cisco_capf.reason_info", "Reason info")
cf.cert_type = ProtoField.uint8("cisco_capf.certificate_type", "Certificate type", base.DEC, CERT_TYPES)
cf.cert = ProtoField.bytes("cisco_capf.certificate", "Certificate (DER)")
cf.signed = ProtoField.bytes("cisco_capf.signed_data", "Signed data")
cf.version = ProtoField.uint8("cisco_capf.version", "Version", base.DEC)
cf.auth_type = ProtoField.uint8("cisco_capf.auth_type", "Authentication type", base.DEC, AUTH_TYPES)
cf.public_key = ProtoField.bytes("cisco_capf.public_key", "Public key (SubjectPublicKeyInfo)")
cf.key_size = ProtoField.uint16("cisco_capf.key_size", "Key size (bits)", base.DEC)
cf.password = ProtoField.string("cisco_capf.auth_string", "Authentication string")
cf.device = ProtoField.string("cisco_capf.device_name", "Device name")
cf.key_type = ProtoField.uint8("cisco_capf.key_type", "Key type", base.DEC, KEY_TYPES)
cf.curve = ProtoField.uint8("cisco_capf.curve", "Curve", base.DEC, CURVES)
cf.value = ProtoField.bytes("cisco_capf.value", "Value")
local capf_malformed = ProtoExpert.new("cisco_capf.malformed", "Malformed CAPF element list",
  expert.group.MALFORMED, expert.severity.ERROR)
capf.experts = { capf_malformed }

local CAPF_U8 = { [1] = cf.reason, [3] = cf.cert_type, [7] = cf.version, [8] = cf.auth_type,
  [17] = cf.key_type, [18] = cf.curve }

local function capf_message(tvb, pinfo, root)
  local tree = root:add(capf, tvb(), "Cisco CAPF")
  tree:add(cf.protocol, tvb(0, 1))
  tree:add(cf.command, tvb(1, 1))
  tree:add(cf.session, tvb(2, 4))
  tree:add(cf.length, tvb(6, 2))
  local cmd = tvb(1, 1):uint()
  pinfo.cols.protocol = "CAPF"
  pinfo.cols.info:append((CAPF_COMMANDS[cmd] or ("command " .. cmd)) .. " ")
  local whole = each_tlv(tvb, 8, tvb:len(), function(tag, len, at)
    local v = tvb(at + 3, len)
    local el = tree:add(tvb(at, 3 + len), CAPF_TAGS[tag] or ("Element " .. tag))
    el:add(cf.tag, tvb(at, 1))
    el:add(cf.elen, tvb(at + 1, 2))
    if len == 0 then return end
    if CAPF_U8[tag] then
      el:add(CAPF_U8[tag], v:range(0, 1))
    elseif tag == 2 then
      el:add(cf.reason_info, v, cstring(v))
    elseif tag == 4 and len > 5 then
      -- Nested: 01 | len u16 | 00 | certType | DER (docs/reference/capf.md).
      el:add(cf.cert_type, v:range(4, 1))
      el:add(cf.cert, v:range(5))
    elseif tag == 6 or tag == 20 then
      el:add(cf.signed, v)
    elseif tag == 9 then
      el:add(cf.public_key, v)
    elseif tag == 10 and len == 2 then
      el:add(cf.key_size, v)
    elseif tag == 11 then
      el:add(cf.password, v, cstring(v))
    elseif tag == 13 then
      el:add(cf.device, v, cstring(v))
    else
      el:add(cf.value, v)
    end
  end)
  if not whole then tree:add_proto_expert_info(capf_malformed) end
end

function capf.dissector(tvb, pinfo, tree)
  if tvb:len() >= 1 and tvb(0, 1):uint() ~= 0x55 then return 0 end
  return stream_pdus(tvb, pinfo, 8, 6, function(pdu, p) capf_message(pdu, p, tree) end)
end

-- ------------------------------------------------------------------------------------------ CTL/ITL

local tlv = Proto("cisco_tlv", "Cisco trust list (CTL/ITL TLV)")
local HEADER_TAGS = {
  [1] = "Version", [2] = "Header length", [3] = "Signer id", [4] = "Signer name", [5] = "Serial number",
  [6] = "CA name", [7] = "Signature info", [8] = "Digest algorithm", [9] = "Signature algorithm info",
  [10] = "Signature algorithm", [11] = "Signature modulus", [12] = "Signature", [14] = "File name",
  [15] = "Timestamp", [28] = "Signer version",
}
local RECORD_TAGS = {
  [1] = "Record length", [2] = "DNS name", [3] = "Subject name", [4] = "Function", [5] = "Issuer name",
  [6] = "Serial number", [7] = "Public key", [8] = "Signature", [9] = "Certificate", [10] = "IP address",
  [11] = "Certificate hash", [12] = "Hash algorithm",
}
local FUNCTIONS = ROLES
local xf = tlv.fields
xf.header_length = ProtoField.uint16("cisco_tlv.header_length", "Header length", base.DEC)
xf.file_name = ProtoField.string("cisco_tlv.file_name", "File name")
xf.signer = ProtoField.string("cisco_tlv.signer", "Signer name")
xf.subject = ProtoField.string("cisco_tlv.record.subject", "Subject name")
xf.issuer = ProtoField.string("cisco_tlv.record.issuer", "Issuer name")
xf.serial = ProtoField.string("cisco_tlv.serial", "Serial number")
xf.func = ProtoField.uint16("cisco_tlv.record.function", "Function", base.DEC, FUNCTIONS)
xf.dns = ProtoField.string("cisco_tlv.record.dns_name", "DNS name")
xf.ip = ProtoField.ipv4("cisco_tlv.record.ip", "IP address")
xf.cert = ProtoField.bytes("cisco_tlv.record.certificate", "Certificate (DER)")
xf.timestamp = ProtoField.absolute_time("cisco_tlv.timestamp", "Timestamp", base.UTC)

-- The header: containers 3, 7 and 9 are stepped into, 13 is a lone padding byte (trust-files reference).
local function tlv_header(tvb, tree, offset, limit)
  while offset < limit do
    local tag = tvb(offset, 1):uint()
    if tag == 13 then
      offset = offset + 1
    else
      if offset + 3 > limit then return end
      local len = tvb(offset + 1, 2):uint()
      local v = tvb(offset + 3, math.min(len, limit - offset - 3))
      local name = HEADER_TAGS[tag] or ("Tag " .. tag)
      if tag == 3 or tag == 7 or tag == 9 then
        tree:add(tvb(offset, 3), name .. " (" .. len .. " bytes)")
        offset = offset + 3
      else
        local el = tree:add(tvb(offset, 3 + len), name)
        if tag == 2 then el:add(xf.header_length, v)
        elseif tag == 4 then el:add(xf.signer, v, cstring(v))
        elseif tag == 5 then el:add(xf.serial, v, hex_colon(v))
        elseif tag == 14 then el:add(xf.file_name, v, cstring(v))
        elseif tag == 15 and len == 4 then el:add(xf.timestamp, v, NSTime.new(v:uint(), 0))
        end
        offset = offset + 3 + len
      end
    end
  end
end

-- A trust file starts `01 0002 <major> <minor>` (Version), then `02 0002 <header length>`.
local function looks_like_trust_file(tvb)
  return tvb:len() >= 10 and tvb(0, 1):uint() == 1 and tvb(1, 2):uint() == 2
    and tvb(5, 1):uint() == 2 and tvb(6, 2):uint() == 2 and tvb(8, 2):uint() <= tvb:len()
end

function tlv.dissector(tvb, pinfo, root)
  if not looks_like_trust_file(tvb) then return 0 end
  local header_len = tvb(8, 2):uint()
  local tree = root:add(tlv, tvb(), "Cisco trust list")
  tlv_header(tvb, tree:add(tvb(0, header_len), "Header"), 0, header_len)
  local offset = header_len
  local n = 0
  while offset + 5 <= tvb:len() and tvb(offset, 1):uint() == 1 do
    local rec_len = tvb(offset + 3, 2):uint()
    if rec_len < 5 or offset + rec_len > tvb:len() then break end
    n = n + 1
    local rec = tree:add(tvb(offset, rec_len), "Record " .. n)
    each_tlv(tvb, offset, offset + rec_len, function(tag, len, at)
      local v = tvb(at + 3, len)
      if len == 0 then return end
      if tag == 2 then rec:add(xf.dns, v, cstring(v))
      elseif tag == 3 then rec:add(xf.subject, v, cstring(v))
      elseif tag == 4 and len == 2 then rec:add(xf.func, v)
      elseif tag == 5 then rec:add(xf.issuer, v, cstring(v))
      elseif tag == 6 then rec:add(xf.serial, v, hex_colon(v))
      elseif tag == 9 then rec:add(xf.cert, v)
      elseif tag == 10 and len == 4 then rec:add(xf.ip, v)
      elseif tag ~= 1 then rec:add(v, RECORD_TAGS[tag] or ("Tag " .. tag))
      end
    end)
    offset = offset + rec_len
  end
  pinfo.cols.protocol = "CTL/ITL"
  return tvb:len()
end

-- ------------------------------------------------------------------------------------------ ports

local tcp_port = DissectorTable.get("tcp.port")
local tls_port = DissectorTable.get("tls.port")
local tls_dissector = Dissector.get("tls")
tcp_port:add(TVS_PORT, tls_dissector)
tcp_port:add(CAPF_PORT, tls_dissector)
tls_port:add(TVS_PORT, tvs)
tls_port:add(CAPF_PORT, capf)
-- TFTP hands each reassembled file to its heuristic dissectors (`-o tftp.defragment:TRUE`).
tlv:register_heuristic("tftp", function(tvb, pinfo, tree)
  if not looks_like_trust_file(tvb) then return false end
  tlv.dissector(tvb, pinfo, tree)
  return true
end)
