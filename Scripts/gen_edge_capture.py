#!/usr/bin/env python3
"""Deterministic generator of realistic Skype for Business hybrid Edge captures.

    python3 Scripts/gen_edge_capture.py --out FILE [--packets N] [--seed S]
                                        [--format pcap|pcapng] [--sample]
                                        [--stats] [--dump-certs DIR]

--sample   writes the small bundled sample (Captures/edge-sample.pcap): a few
           hundred hand-scripted packets covering every traffic type once.
otherwise  streams exactly N packets (default 100000) of mixed Edge traffic:
           tens of thousands of concurrent flows at N >= ~5M, ~80 % RTP.

Same arguments -> byte-identical output: everything comes from
random.Random(seed) and a fixed capture start of 2026-03-02T09:00:00Z; the
wall clock is never read. Only the Python 3 standard library is used.

Topology (fixed, tests rely on it):
  Access Edge            203.0.113.10   (IPv6 2001:db8:10::10)
  A/V Edge               203.0.113.20
  Web Conferencing Edge  203.0.113.30   (802.1Q VLAN 100)
  Office 365             52.112.0.0/14, 52.122.0.0/15, 2603:1063::/38
                         (52.112.1.5 = sipfed.online.lync.com, 52.114.50.7 relay)
  Microsoft-looking but outside the published ranges: 52.120.9.9
  Remote clients / federation partners: 198.51.100.0/24
  DNS resolver           192.0.2.53

Frames are Ethernet II with correct IPv4 header checksums and correct
TCP/UDP checksums (IPv4 and IPv6). Certificates are real DER X.509 made once
with the openssl CLI and embedded below (generation is then deterministic).
"""

import argparse
import base64
import hashlib
import heapq
import hmac
import ipaddress
import os
import random
import struct
import sys
import zlib
from array import array

# --------------------------------------------------------------------------
# constants
# --------------------------------------------------------------------------

CAPTURE_START_US = 1772442000 * 1_000_000      # 2026-03-02T09:00:00Z
NTP_EPOCH_OFFSET = 2208988800                   # 1900-01-01 -> 1970-01-01

ACCESS_EDGE = "203.0.113.10"
ACCESS_EDGE6 = "2001:db8:10::10"
AV_EDGE = "203.0.113.20"
WEBCONF_EDGE = "203.0.113.30"
EDGE_IPS = frozenset((ACCESS_EDGE, ACCESS_EDGE6, AV_EDGE, WEBCONF_EDGE))

O365_SIPFED = "52.112.1.5"          # sipfed.online.lync.com
O365_REJECTING = "52.113.10.20"     # answers 5061 SYN with RST
O365_RELAY = "52.114.50.7"          # media relay (UDP 3478, TCP 443)
O365_RELAY_IN = "52.114.50.8"       # opens TCP 443 -> A/V Edge 50200
O365_SILENT = "52.122.3.3"          # never answers (SYN retransmitted)
O365_V6 = "2603:1063::5"
NOT_O365 = "52.120.9.9"             # looks Microsoft, not in the published ranges
DNS_RESOLVER = "192.0.2.53"

EDGE_MAC = bytes.fromhex("00155d0a0010")        # Edge external NIC
GW_MAC = bytes.fromhex("001b17000101")          # upstream firewall / router

WEBCONF_VLAN = 100

MS_MAGIC_COOKIE = 0x72C64BC6
STUN_COOKIE = 0x2112A442
STUN_COOKIE_B = struct.pack(">I", STUN_COOKIE)

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

_LITTLE = sys.byteorder == "little"

# --------------------------------------------------------------------------
# certificates: generated once with the openssl CLI (OpenSSL 3.0, `openssl ca`
# with -startdate/-enddate) and embedded as DER.  Root and intermediates are
# ECDSA P-256, leaves RSA-2048 (the TLS 1.2 sessions use RSA key exchange).
#   ROOT             C=US, O=Edgeflow Test PKI, CN=Edgeflow Test Root CA   2020-01-01 .. 2040-01-01
#   CLOUD_CA         CN=Edgeflow Test Cloud CA 01  (issued by ROOT)        2023-01-01 .. 2033-01-01
#   PUBLIC_CA        CN=Edgeflow Test Public CA 02 (issued by ROOT)        2023-01-01 .. 2033-01-01
#   SIPFED           CN=sipfed.online.lync.com, SAN sipfed.online.lync.com, *.online.lync.com
#                    issued by CLOUD_CA, 2025-11-01 .. 2026-10-31T23:59:59Z
#   CONTOSO          CN=sip.contoso.com, SAN sip.contoso.com, by PUBLIC_CA, 2026-01-15 .. 2027-01-15T23:59:59Z
#   CONTOSO_EXPIRED  CN=sip.contoso.com, SAN sip.contoso.com, by PUBLIC_CA, 2025-02-15 .. 2026-02-14T23:59:59Z
#                    (expired at the capture date: used by the IPv6 flow, which fails)
#   FABRIKAM         CN=sip.fabrikam.com, SAN sip.fabrikam.com, by PUBLIC_CA, 2025-09-01 .. 2026-09-01T23:59:59Z
# --------------------------------------------------------------------------


def _b64(*parts):
    return base64.b64decode("".join(parts))


ROOT_DER = _b64(
    "MIIBxTCCAWqgAwIBAgICEAAwCgYIKoZIzj0EAwIwSTELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMR4wHAYDVQQDDBVFZGdlZmxvdyBUZXN0IFJvb3QgQ0EwHhcNMjAwMTAx"
    "MDAwMDAwWhcNNDAwMTAxMDAwMDAwWjBJMQswCQYDVQQGEwJVUzEaMBgGA1UECgwRRWRnZWZsb3cg"
    "VGVzdCBQS0kxHjAcBgNVBAMMFUVkZ2VmbG93IFRlc3QgUm9vdCBDQTBZMBMGByqGSM49AgEGCCqG"
    "SM49AwEHA0IABEPjufKfLt6iKTnRC30w4jcVMyairsortKiSFUPtPS0fAGB5k1kkTI75g/1kJlN/"
    "guYekm5l+sxBUW83BBG/CW+jQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0G"
    "A1UdDgQWBBTrNY9rRsvU27UpPr+kOJJ0WtCcxTAKBggqhkjOPQQDAgNJADBGAiEA1HY0gB6NKzu2"
    "SLjOCdAWxYjo7/KMrdv3PCPYZG7oNe8CIQCHBuVu7OhBmPL8TWmITsHTlXF1nWQ+0wbWIpZw6neN"
    "gg==")

CLOUD_CA_DER = _b64(
    "MIIB7DCCAZKgAwIBAgICEAEwCgYIKoZIzj0EAwIwSTELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMR4wHAYDVQQDDBVFZGdlZmxvdyBUZXN0IFJvb3QgQ0EwHhcNMjMwMTAx"
    "MDAwMDAwWhcNMzMwMTAxMDAwMDAwWjBNMQswCQYDVQQGEwJVUzEaMBgGA1UECgwRRWRnZWZsb3cg"
    "VGVzdCBQS0kxIjAgBgNVBAMMGUVkZ2VmbG93IFRlc3QgQ2xvdWQgQ0EgMDEwWTATBgcqhkjOPQIB"
    "BggqhkjOPQMBBwNCAASoRdZM23rHGVOdRPFGJpOMeekLQEsT9Hotm00EuxVZmsP6Lmkg0PPxrplu"
    "cj3oZzIQvj5RxhOLkpzZaQD3X8yLo2YwZDASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQE"
    "AwIBhjAdBgNVHQ4EFgQUXwLB3jLuWmk1cWM75om86uTFo/gwHwYDVR0jBBgwFoAU6zWPa0bL1Nu1"
    "KT6/pDiSdFrQnMUwCgYIKoZIzj0EAwIDSAAwRQIgd46BP/Ni91y38z7A5p+lclGd+0A+xDRaVYb8"
    "g9u6rhACIQDw8qfPOw61R4ZF17o5MwvIGktezmuECTgJFSSIQStY4w==")

PUBLIC_CA_DER = _b64(
    "MIIB7jCCAZOgAwIBAgICEAIwCgYIKoZIzj0EAwIwSTELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMR4wHAYDVQQDDBVFZGdlZmxvdyBUZXN0IFJvb3QgQ0EwHhcNMjMwMTAx"
    "MDAwMDAwWhcNMzMwMTAxMDAwMDAwWjBOMQswCQYDVQQGEwJVUzEaMBgGA1UECgwRRWRnZWZsb3cg"
    "VGVzdCBQS0kxIzAhBgNVBAMMGkVkZ2VmbG93IFRlc3QgUHVibGljIENBIDAyMFkwEwYHKoZIzj0C"
    "AQYIKoZIzj0DAQcDQgAEJ27DiVKGCV3eVMHItGGF3gvrwF1bIoTJha37xM/TiKnnbMnJtxng2out"
    "444Rp1lmJbd2xzAauMXCHOMv/ZxTpqNmMGQwEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8E"
    "BAMCAYYwHQYDVR0OBBYEFFcp9plugKfYzOdBDoBZinrraWKnMB8GA1UdIwQYMBaAFOs1j2tGy9Tb"
    "tSk+v6Q4knRa0JzFMAoGCCqGSM49BAMCA0kAMEYCIQDg9cQ+Pr7rpGx/HfzD9U16Mfo5NAbFQQ+5"
    "9y6A5Qla5gIhAObSFxXGwOP4kE3+kfHXOpUVjTosM6HWf6SSgpUZhYMp")

SIPFED_DER = _b64(
    "MIIDCjCCArGgAwIBAgICEAMwCgYIKoZIzj0EAwIwTTELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMSIwIAYDVQQDDBlFZGdlZmxvdyBUZXN0IENsb3VkIENBIDAxMB4XDTI1"
    "MTEwMTAwMDAwMFoXDTI2MTAzMTIzNTk1OVowTDELMAkGA1UEBhMCVVMxHDAaBgNVBAoME0VkZ2Vm"
    "bG93IFRlc3QgQ2xvdWQxHzAdBgNVBAMMFnNpcGZlZC5vbmxpbmUubHluYy5jb20wggEiMA0GCSqG"
    "SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDFr+OJmszOZag3VmwHpX3dU1k31Jhb7sqO/3e6pioWTjG3"
    "hZIYc6S+4zLG/8Opuw2KFKblCRKjAuZibvSKMdJHcqScXOlpwvjSeEjqeFM9nmA8U9xLsbtDxfSS"
    "uOlslrC046UZOTfyZ+ak4OOBWlGROJrLV8AWHTIhQ26jYYl8e9dVmR9DDXOhkvLeiWb50MyVmP1P"
    "0atpSgE0V0rca38H8pIM9ezPs30Om+jCVtx3G0vazpVFc9pU89sy6tOa58ucAFyLEmUiauFtaOle"
    "b8O3EfgUk3VuZNVoJ6XbNChygLy14kkAhcUfbysoTM/43PVfWP+U5PrwsW+7ViMFZvHNAgMBAAGj"
    "gbYwgbMwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAwHQYDVR0lBBYwFAYIKwYBBQUHAwEG"
    "CCsGAQUFBwMCMDQGA1UdEQQtMCuCFnNpcGZlZC5vbmxpbmUubHluYy5jb22CESoub25saW5lLmx5"
    "bmMuY29tMB0GA1UdDgQWBBQ8vabWF7pwncrpTZaat96xtr1DZjAfBgNVHSMEGDAWgBRfAsHeMu5a"
    "aTVxYzvmibzq5MWj+DAKBggqhkjOPQQDAgNHADBEAiAxmDOhccjHyzsB4VnekbTTvODRzvgWndG3"
    "ZkVQbivLvAIgUgQ1i/A05kMytwjrL1BF5wQfxz8oLuaVef7qxkeG9d4=")

CONTOSO_DER = _b64(
    "MIIC4zCCAomgAwIBAgICEAQwCgYIKoZIzj0EAwIwTjELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMSMwIQYDVQQDDBpFZGdlZmxvdyBUZXN0IFB1YmxpYyBDQSAwMjAeFw0y"
    "NjAxMTUwMDAwMDBaFw0yNzAxMTUyMzU5NTlaMD0xCzAJBgNVBAYTAlVTMRQwEgYDVQQKDAtDb250"
    "b3NvIEx0ZDEYMBYGA1UEAwwPc2lwLmNvbnRvc28uY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"
    "MIIBCgKCAQEAwjNuYlnmXqyRxUcg9u+lBhl6lUUKE+MhEYcbHmHqc1cU8v5pgIAvSqdQbWL40hpb"
    "ZRJmvD2/KJlrBw8C1iHSAptRh8uHCPxNF4O51tFA/WuOOxj1Sut5i3kG6fBiOoxovU/KN0ymsYQ1"
    "PCQKw2K06pQDA4iQILLtWShCWlhIZhKPJ4v3t2tMOk1j0cxYWn0diB0K/L9N7Wdop8mMakx+BR7r"
    "wXY2iQN40ZI9FWYTmz9UdPUXXu9ZbQCfFULx4xx+THF8p8aFUuLgtWkF4U+WZV3wW8KAb104B1xG"
    "RxKsuA0OdjU0ndTJSmigBKN9vaVdZyWE8h5L5Aqw77SOa8YdbwIDAQABo4GcMIGZMAwGA1UdEwEB"
    "/wQCMAAwDgYDVR0PAQH/BAQDAgWgMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAaBgNV"
    "HREEEzARgg9zaXAuY29udG9zby5jb20wHQYDVR0OBBYEFC7DFIwfekE8Q9qzxVWNn5qnlak0MB8G"
    "A1UdIwQYMBaAFFcp9plugKfYzOdBDoBZinrraWKnMAoGCCqGSM49BAMCA0gAMEUCIQCnbzMgK9wY"
    "01xX3ji/T1YNU5wRRPzhHKrttsHRKkGFdgIgBfwjbTMy0Te5pc+y3p2VGv5NeG4eC0pUiI0U10PM"
    "JZc=")

CONTOSO_EXPIRED_DER = _b64(
    "MIIC5DCCAomgAwIBAgICEAUwCgYIKoZIzj0EAwIwTjELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMSMwIQYDVQQDDBpFZGdlZmxvdyBUZXN0IFB1YmxpYyBDQSAwMjAeFw0y"
    "NTAyMTUwMDAwMDBaFw0yNjAyMTQyMzU5NTlaMD0xCzAJBgNVBAYTAlVTMRQwEgYDVQQKDAtDb250"
    "b3NvIEx0ZDEYMBYGA1UEAwwPc2lwLmNvbnRvc28uY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"
    "MIIBCgKCAQEAwjNuYlnmXqyRxUcg9u+lBhl6lUUKE+MhEYcbHmHqc1cU8v5pgIAvSqdQbWL40hpb"
    "ZRJmvD2/KJlrBw8C1iHSAptRh8uHCPxNF4O51tFA/WuOOxj1Sut5i3kG6fBiOoxovU/KN0ymsYQ1"
    "PCQKw2K06pQDA4iQILLtWShCWlhIZhKPJ4v3t2tMOk1j0cxYWn0diB0K/L9N7Wdop8mMakx+BR7r"
    "wXY2iQN40ZI9FWYTmz9UdPUXXu9ZbQCfFULx4xx+THF8p8aFUuLgtWkF4U+WZV3wW8KAb104B1xG"
    "RxKsuA0OdjU0ndTJSmigBKN9vaVdZyWE8h5L5Aqw77SOa8YdbwIDAQABo4GcMIGZMAwGA1UdEwEB"
    "/wQCMAAwDgYDVR0PAQH/BAQDAgWgMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAaBgNV"
    "HREEEzARgg9zaXAuY29udG9zby5jb20wHQYDVR0OBBYEFC7DFIwfekE8Q9qzxVWNn5qnlak0MB8G"
    "A1UdIwQYMBaAFFcp9plugKfYzOdBDoBZinrraWKnMAoGCCqGSM49BAMCA0kAMEYCIQCxiCF5wqBm"
    "ooXaTG1g53p/pJmJpAEN92jgFdsZ1biheAIhAPpn6QmjQpDzdROiXcZC6BAaVcZmcBQq/ed1jnP1"
    "Svit")

FABRIKAM_DER = _b64(
    "MIIC5jCCAoygAwIBAgICEAYwCgYIKoZIzj0EAwIwTjELMAkGA1UEBhMCVVMxGjAYBgNVBAoMEUVk"
    "Z2VmbG93IFRlc3QgUEtJMSMwIQYDVQQDDBpFZGdlZmxvdyBUZXN0IFB1YmxpYyBDQSAwMjAeFw0y"
    "NTA5MDEwMDAwMDBaFw0yNjA5MDEyMzU5NTlaMD8xCzAJBgNVBAYTAlVTMRUwEwYDVQQKDAxGYWJy"
    "aWthbSBJbmMxGTAXBgNVBAMMEHNpcC5mYWJyaWthbS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IB"
    "DwAwggEKAoIBAQCj0HgK57FObbYSlBYiRHqAhcdltfDJs9w6s6FgU/neok/yzG5jtPH1ORoV03pV"
    "d0LHxV6SRGSYzvC5Oh06fWZLNCxKRdAGjCMSfDqqZkzX5Vpe3tlLYfm01xalAx8h/TFlITq+4UCD"
    "3ZMLhosHnKPzdFyxUpvGa+QGBRME9ITy4dZb0UJi37/OVSVZQKQfyoLRsI/Qnc75C3oUU3mTu8F/"
    "KqsJ48kYExZyaenGKhvehTDSjrGE7+zbMR+DMZzz0nvoA/PgaGTUJdU57/uHNMSFOV1lXXu9dl53"
    "dUqFxIO8wdVilHa1hmyKboJmVEL9BC+K1gBb8ZLEWizkcZUJ8quNAgMBAAGjgZ0wgZowDAYDVR0T"
    "AQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMBsG"
    "A1UdEQQUMBKCEHNpcC5mYWJyaWthbS5jb20wHQYDVR0OBBYEFLmb7EQp88j22w8rMEVbWI0ZAu0t"
    "MB8GA1UdIwQYMBaAFFcp9plugKfYzOdBDoBZinrraWKnMAoGCCqGSM49BAMCA0gAMEUCIQDp/Qif"
    "MRlf+OnPkYV7SgMvc1oOP0oGuOksi+Dn6T2BxQIgQPa9NCf8pPqHsPGzEg0z5oJ/vh0BtpZmR7oR"
    "uxd1EsM=")

SERVER_CHAIN_O365 = (SIPFED_DER, CLOUD_CA_DER, ROOT_DER)
CLIENT_CHAIN_CONTOSO = (CONTOSO_DER, PUBLIC_CA_DER)
SERVER_CHAIN_CONTOSO = (CONTOSO_DER, PUBLIC_CA_DER)
CLIENT_CHAIN_O365 = (SIPFED_DER, CLOUD_CA_DER)
CHAIN_CONTOSO_EXPIRED = (CONTOSO_EXPIRED_DER, PUBLIC_CA_DER)
CHAIN_FABRIKAM = (FABRIKAM_DER, PUBLIC_CA_DER)


def _der_tlv(b, off):
    """Return (tag, header_len, content_len) of the DER element at off."""
    tag = b[off]
    n = b[off + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(b[off + 2:off + 2 + k], "big")


def cert_names(der):
    """(issuer_dn_der, subject_dn_der) of a DER certificate."""
    _, h, _ = _der_tlv(der, 0)            # Certificate SEQUENCE
    off = h
    _, h, _ = _der_tlv(der, off)          # tbsCertificate SEQUENCE
    off += h
    fields = []
    while len(fields) < 6:
        tag, h, n = _der_tlv(der, off)
        fields.append(der[off:off + h + n])
        off += h + n
    if fields[0][0] != 0xA0:              # no explicit version: shift
        fields.insert(0, b"")
    # version, serial, sigalg, issuer, validity, subject
    return fields[3], fields[5]


def der_name(*rdns):
    """DER Name from (oid_bytes, utf8 value) pairs (for CertificateRequest CA lists)."""
    def tlv(tag, body):
        n = len(body)
        if n < 0x80:
            return bytes([tag, n]) + body
        lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([tag, 0x80 | len(lb)]) + lb + body
    seq = b""
    for oid, val in rdns:
        atv = tlv(0x30, tlv(0x06, oid) + tlv(0x0C, val.encode()))
        seq += tlv(0x31, atv)
    return tlv(0x30, seq)


OID_C, OID_O, OID_CN = b"\x55\x04\x06", b"\x55\x04\x0a", b"\x55\x04\x03"
ROOT_DN = cert_names(ROOT_DER)[1]
# O365 (server) accepts client certificates from these roots
CA_LIST_O365 = (ROOT_DN,
                der_name((OID_C, "US"), (OID_O, "Edgeflow Test PKI"), (OID_CN, "Edgeflow Test Root CA G2")))
# the Windows Access Edge sends its whole trusted-root list (SChannel default)
CA_LIST_EDGE = (ROOT_DN,
                der_name((OID_C, "US"), (OID_O, "Edgeflow Test PKI"), (OID_CN, "Edgeflow Test Root CA G2")),
                der_name((OID_C, "US"), (OID_O, "Contoso Ltd"), (OID_CN, "Contoso Enterprise Root CA")),
                der_name((OID_C, "US"), (OID_O, "Example Trust Services"), (OID_CN, "Example Global Root R1")))

# --------------------------------------------------------------------------
# checksums and addresses
# --------------------------------------------------------------------------


def sum16(b):
    """Folded big-endian 16-bit ones'-complement sum of b (not complemented)."""
    if len(b) & 1:
        b = bytes(b) + b"\0"
    s = sum(array("H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    if _LITTLE:
        s = ((s & 0xFF) << 8) | (s >> 8)
    return s


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum(s):
    return ~fold(s) & 0xFFFF


_IP_CACHE = {}


def ip_bytes(a):
    b = _IP_CACHE.get(a)
    if b is None:
        b = _IP_CACHE[a] = ipaddress.ip_address(a).packed
    return b


def rand_bytes(rng, n):
    return rng.getrandbits(8 * n).to_bytes(n, "big") if n else b""


def eth_header(src_is_edge, ethertype, vlan=None):
    src, dst = (EDGE_MAC, GW_MAC) if src_is_edge else (GW_MAC, EDGE_MAC)
    if vlan is None:
        return dst + src + struct.pack(">H", ethertype)
    return dst + src + struct.pack(">HHH", 0x8100, vlan & 0x0FFF, ethertype)


def ipv4_header(src, dst, proto, payload_len, ident, ttl, tos=0, df=True, frag_off=0, mf=False):
    ff = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off >> 3)
    h = struct.pack(">BBHHHBBH4s4s", 0x45, tos, 20 + payload_len, ident, ff, ttl, proto, 0, src, dst)
    c = csum(sum16(h))
    return h[:10] + struct.pack(">H", c) + h[12:]


def ipv6_header(src, dst, nh, payload_len, hlim, tclass=0, flow=0):
    return struct.pack(">IHBB16s16s", (6 << 28) | (tclass << 20) | flow, payload_len, nh, hlim, src, dst)


def pseudo_sum(src, dst, proto, length):
    if len(src) == 4:
        return sum16(src + dst) + proto + length
    return sum16(src + dst) + (length >> 16) + (length & 0xFFFF) + proto


class Path:
    """One direction of one flow: addresses, L2 header, IP id counter, TTL."""
    __slots__ = ("src", "dst", "sport", "dport", "v6", "eth", "ident", "ttl", "tos", "local",
                 "psum_udp", "src_txt", "dst_txt")

    def __init__(self, g, src, sport, dst, dport, vlan=None, ttl=None, tos=0):
        self.src_txt, self.dst_txt = src, dst
        self.v6 = ":" in src
        self.src, self.dst = ip_bytes(src), ip_bytes(dst)
        self.sport, self.dport = sport, dport
        self.local = src in EDGE_IPS
        self.eth = eth_header(self.local, 0x86DD if self.v6 else 0x0800, vlan)
        self.ident = g.rng.randrange(65536)
        if ttl is None:
            ttl = 128 if self.local else g.rng.choice((107, 109, 113, 115, 116, 117, 118, 52, 54, 56))
        self.ttl = ttl
        self.tos = tos
        self.psum_udp = None

    def ip(self, proto, payload, df=True):
        if self.v6:
            return self.eth + ipv6_header(self.src, self.dst, proto, len(payload), self.ttl, self.tos >> 2 << 2) + payload
        ident = self.ident
        self.ident = (ident + 1) & 0xFFFF
        return self.eth + ipv4_header(self.src, self.dst, proto, len(payload), ident, self.ttl, self.tos, df) + payload

    def udp_segment(self, payload):
        ln = 8 + len(payload)
        s = pseudo_sum(self.src, self.dst, 17, ln) + self.sport + self.dport + ln + sum16(payload)
        c = csum(s) or 0xFFFF
        return struct.pack(">HHHH", self.sport, self.dport, ln, c) + payload

    def udp(self, payload, df=False):
        return self.ip(17, self.udp_segment(payload), df)

    def udp_fragments(self, payload, first_len=1480):
        """One UDP datagram as IPv4 fragments (first carries first_len bytes of IP payload)."""
        assert not self.v6 and first_len % 8 == 0
        seg = self.udp_segment(payload)
        ident = self.ident
        self.ident = (ident + 1) & 0xFFFF
        out, off = [], 0
        while off < len(seg):
            chunk = seg[off:off + first_len]
            last = off + len(chunk) >= len(seg)
            out.append(self.eth + ipv4_header(self.src, self.dst, 17, len(chunk), ident, self.ttl, self.tos,
                                              False, off, not last) + chunk)
            off += len(chunk)
        return out


def tcp_syn_options(mss, wscale):
    # Windows order: MSS, NOP, WS, NOP, NOP, SACK_PERM
    return struct.pack(">BBHBBBBBBBB", 2, 4, mss, 1, 3, 3, wscale, 1, 1, 4, 2)


class Tcp:
    """A TCP connection seen at the Edge. Side 'c' sent the SYN."""

    def __init__(self, g, cip, cport, sip, sport, *, c_mss=1460, s_mss=1440, vlan=None,
                 c_win=1026, s_win=2052, rtt=20000):
        self.g = g
        self.c = Path(g, cip, cport, sip, sport, vlan)
        self.s = Path(g, sip, sport, cip, cport, vlan)
        self.cseq = g.rng.getrandbits(32)
        self.sseq = g.rng.getrandbits(32)
        self.c_isn, self.s_isn = self.cseq, self.sseq
        self.c_mss, self.s_mss = c_mss, s_mss
        self.c_win, self.s_win = c_win, s_win
        self.rtt = rtt

    def lat(self, from_c):
        """Delay between seeing a packet of one side and the other side's reaction."""
        p = self.c if from_c else self.s
        rng = self.g.rng
        if p.local:
            return 30 + int(rng.random() * 400)
        return self.rtt + int(rng.random() * self.rtt * 0.1)

    def seg(self, from_c, flags, payload=b"", opts=b"", seq=None, win=None):
        p = self.c if from_c else self.s
        if from_c:
            s = self.cseq if seq is None else seq
            a = self.sseq
            w = self.c_win if win is None else win
        else:
            s = self.sseq if seq is None else seq
            a = self.cseq
            w = self.s_win if win is None else win
        if not flags & TCP_ACK:
            a = 0
        hl = 20 + len(opts)
        h = struct.pack(">HHIIHHHH", p.sport, p.dport, s, a, ((hl // 4) << 12) | flags, w, 0, 0) + opts
        ss = pseudo_sum(p.src, p.dst, 6, hl + len(payload)) + sum16(h) + sum16(payload)
        frame = p.ip(6, h[:16] + struct.pack(">H", csum(ss)) + h[18:] + payload)
        if seq is None:
            n = len(payload) + (1 if flags & (TCP_SYN | TCP_FIN) else 0)
            if from_c:
                self.cseq = (self.cseq + n) & 0xFFFFFFFF
            else:
                self.sseq = (self.sseq + n) & 0xFFFFFFFF
        return frame

    def syn(self, seq=None):
        return self.seg(True, TCP_SYN, opts=tcp_syn_options(self.c_mss, 8), seq=seq, win=64240)

    def synack(self):
        return self.seg(False, TCP_SYN | TCP_ACK, opts=tcp_syn_options(self.s_mss, 8), win=65535)

    def ack(self, from_c):
        return self.seg(from_c, TCP_ACK)

    def send(self, from_c, data, sizes=None):
        """Segment data by the receiver's MSS (or explicit sizes); PSH on the last one."""
        mss = self.s_mss if from_c else self.c_mss
        frames, off = [], 0
        sizes = list(sizes or [])
        while off < len(data):
            n = sizes.pop(0) if sizes else mss
            n = min(n, mss, len(data) - off)
            last = off + n >= len(data)
            frames.append(self.seg(from_c, TCP_ACK | (TCP_PSH if last else 0), data[off:off + n]))
            off += n
        return frames

    def fin(self, from_c):
        return self.seg(from_c, TCP_FIN | TCP_ACK)

    def rst(self, from_c, ack=True):
        return self.seg(from_c, TCP_RST | (TCP_ACK if ack else 0), win=0)


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------


def u24(n):
    return struct.pack(">I", n)[1:]


def tls_record(ct, body, ver=0x0303):
    return struct.pack(">BHH", ct, ver, len(body)) + body


def tls_hs(t, body):
    return struct.pack(">I", (t << 24) | len(body)) + body


def tls_ext(t, data):
    return struct.pack(">HH", t, len(data)) + data


SCHANNEL_SUITES = (0xC02C, 0xC02B, 0xC030, 0xC02F, 0x009F, 0x009E, 0xC024, 0xC023, 0xC028, 0xC027,
                   0xC00A, 0xC009, 0xC014, 0xC013, 0x009D, 0x009C, 0x003D, 0x003C, 0x0035, 0x002F)
TLS13_SUITES = (0x1302, 0x1301, 0x1303) + SCHANNEL_SUITES[:6]
SIG_ALGS = (0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203)
GROUPS = (0x001D, 0x0017, 0x0018)


def _u16list(vals):
    return b"".join(struct.pack(">H", v) for v in vals)


def client_hello(rng, sni, tls13=False):
    suites = TLS13_SUITES if tls13 else SCHANNEL_SUITES
    sid = rand_bytes(rng, 32) if tls13 else b""
    exts = b""
    if sni:
        n = sni.encode()
        exts += tls_ext(0, struct.pack(">HBH", len(n) + 3, 0, len(n)) + n)
    exts += tls_ext(5, b"\x01\x00\x00\x00\x00")
    exts += tls_ext(10, struct.pack(">H", 2 * len(GROUPS)) + _u16list(GROUPS))
    exts += tls_ext(11, b"\x01\x00")
    exts += tls_ext(13, struct.pack(">H", 2 * len(SIG_ALGS)) + _u16list(SIG_ALGS))
    exts += tls_ext(35, b"")
    exts += tls_ext(23, b"")
    if tls13:
        exts += tls_ext(43, b"\x04\x03\x04\x03\x03")
        exts += tls_ext(45, b"\x01\x01")
        exts += tls_ext(51, struct.pack(">HHH", 36, 0x001D, 32) + rand_bytes(rng, 32))
    exts += tls_ext(0xFF01, b"\x00")
    body = (struct.pack(">H", 0x0303) + rand_bytes(rng, 32) + bytes([len(sid)]) + sid
            + struct.pack(">H", 2 * len(suites)) + _u16list(suites) + b"\x01\x00"
            + struct.pack(">H", len(exts)) + exts)
    return tls_hs(1, body)


def server_hello(rng, suite=0x009D, tls13_sid=None):
    if tls13_sid is not None:
        exts = tls_ext(43, b"\x03\x04") + tls_ext(51, struct.pack(">HH", 0x001D, 32) + rand_bytes(rng, 32))
        sid = tls13_sid
    else:
        exts = tls_ext(0xFF01, b"\x00") + tls_ext(23, b"")
        sid = rand_bytes(rng, 32)
    body = (struct.pack(">H", 0x0303) + rand_bytes(rng, 32) + bytes([len(sid)]) + sid
            + struct.pack(">HB", suite, 0) + struct.pack(">H", len(exts)) + exts)
    return tls_hs(2, body)


def certificate_msg(chain):
    lst = b"".join(u24(len(c)) + c for c in chain)
    return tls_hs(11, u24(len(lst)) + lst)


def certificate_request(ca_dns):
    sig = _u16list((0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0201))
    cas = b"".join(struct.pack(">H", len(d)) + d for d in ca_dns)
    return tls_hs(13, bytes([2, 1, 64]) + struct.pack(">H", len(sig)) + sig + struct.pack(">H", len(cas)) + cas)


def server_hello_done():
    return tls_hs(14, b"")


def client_key_exchange_rsa(rng):
    return tls_hs(16, struct.pack(">H", 256) + rand_bytes(rng, 256))


def certificate_verify(rng):
    return tls_hs(15, struct.pack(">HH", 0x0401, 256) + rand_bytes(rng, 256))


TLS_CCS = tls_record(20, b"\x01")


def tls_encrypted(rng, ct, seqno, plain_len):
    """AES-GCM record: 8-byte explicit nonce + ciphertext + 16-byte tag."""
    return tls_record(ct, struct.pack(">Q", seqno) + rand_bytes(rng, plain_len + 16))


def tls13_record(rng, plain_len):
    return tls_record(23, rand_bytes(rng, plain_len + 17))


def tls_alert(level, desc):
    return tls_record(21, bytes([level, desc]))


# MS-TURN pseudo-TLS (protocols.md section 4.4)


def pseudo_tls_client_hello(rng):
    return (b"\x16\x03\x01\x00\x2d" + b"\x01\x00\x00\x29" + b"\x03\x01" + rand_bytes(rng, 32)
            + b"\x00" + b"\x00\x02\x00\x18" + b"\x01\x00")


def pseudo_tls_server_hello(rng):
    return (b"\x16\x03\x01\x00\x4e" + b"\x02\x00\x00\x46\x03\x01" + rand_bytes(rng, 32)
            + b"\x20" + rand_bytes(rng, 32) + b"\x00\x18\x00" + b"\x0e\x00\x00\x00")


def msturn_frame(kind, payload):
    """MS-TURN TCP framing: 0x02 control / 0x03 data, reserved, 16-bit length."""
    return struct.pack(">BBH", kind, 0, len(payload)) + payload


# --------------------------------------------------------------------------
# STUN / TURN / MS-TURN
# --------------------------------------------------------------------------

A_MAPPED, A_USERNAME, A_MI, A_ERROR, A_LIFETIME = 0x0001, 0x0006, 0x0008, 0x0009, 0x000D
A_MS_MAGIC, A_MS_DEST = 0x000F, 0x0011
A_XOR_PEER, A_DATA, A_XOR_RELAYED, A_REQ_TRANSPORT = 0x0012, 0x0013, 0x0016, 0x0019
A_RFC_REALM, A_RFC_NONCE = 0x0014, 0x0015
A_MS_NONCE, A_MS_REALM = 0x0014, 0x0015
A_XOR_MAPPED, A_PRIORITY, A_USE_CAND = 0x0020, 0x0024, 0x0025
A_CHANNEL = 0x000C
A_SOFTWARE, A_FINGERPRINT, A_ICE_CONTROLLED, A_ICE_CONTROLLING = 0x8022, 0x8028, 0x8029, 0x802A
A_MS_VERSION, A_MS_SQ, A_MS_IMPL = 0x8008, 0x8055, 0x8070


def stun_message(mtype, tid, attrs, *, key=None, ms_integrity=False, fingerprint=False):
    """tid = 16 bytes after Length (cookie + 96-bit id).  Attributes padded with zeros."""
    body = b""
    for t, v in attrs:
        body += struct.pack(">HH", t, len(v)) + v + b"\0" * (-len(v) % 4)
    if key is not None:
        hdr = struct.pack(">HH", mtype, len(body) + 24) + tid
        data = hdr + body
        if ms_integrity:
            data += b"\0" * (-len(data) % 64)
        body += struct.pack(">HH", A_MI, 20) + hmac.new(key, data, hashlib.sha1).digest()
    if fingerprint:
        hdr = struct.pack(">HH", mtype, len(body) + 8) + tid
        crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += struct.pack(">HHI", A_FINGERPRINT, 4, crc)
    return struct.pack(">HH", mtype, len(body)) + tid + body


def new_tid(rng):
    return STUN_COOKIE_B + rand_bytes(rng, 12)


def xor_addr(ip, port):
    b = ip_bytes(ip)
    if len(b) == 4:
        x = (int.from_bytes(b, "big") ^ STUN_COOKIE).to_bytes(4, "big")
        return struct.pack(">BBH", 0, 1, port ^ 0x2112) + x
    raise ValueError("IPv6 XOR address needs the transaction id")


def plain_addr(ip, port):
    return struct.pack(">BBH", 0, 1, port) + ip_bytes(ip)


def u32(v):
    return struct.pack(">I", v)


def long_term_key(user, realm, password):
    return hashlib.md5(("%s:%s:%s" % (user, realm, password)).encode()).digest()


def error_code(code, reason):
    return struct.pack(">HBB", 0, code // 100, code % 100) + reason.encode()


# --------------------------------------------------------------------------
# RTP / RTCP
# --------------------------------------------------------------------------


def rtp_bytes(seq, ts, ssrc, payload, pt=0, marker=False):
    return struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | pt, seq, ts, ssrc) + payload


class RtpSender:
    """One RTP direction with precomputed templates; only seq/ts/ids/checksums are patched."""

    def __init__(self, g, path, pt=0, ssrc=None):
        rng = g.rng
        self.g, self.path, self.pt = g, path, pt
        self.ssrc = rng.getrandbits(32) if ssrc is None else ssrc
        self.seq = rng.randrange(65536)
        self.ts = rng.getrandbits(32)
        self.sent = 0
        self.octets = 0
        self.lost = 0
        self.base_seq = self.seq
        ssrc_b = struct.pack(">I", self.ssrc)
        self.tail = [ssrc_b + p for p in g.pcmu]
        ssum = sum16(ssrc_b)
        self.tailsum = [ssum + s for s in g.pcmu_sum]
        ulen = 8 + 12 + 160
        sp, dp = path.sport, path.dport
        if path.v6:
            pre = path.eth + ipv6_header(path.src, path.dst, 17, ulen, path.ttl, path.tos) + struct.pack(">HHH", sp, dp, ulen)
            self.st = struct.Struct(">%dsHBBHI" % len(pre))
            self.ipbase = None
        else:
            pre = path.eth + struct.pack(">BBH", 0x45, path.tos, 20 + ulen)
            self.mid = struct.pack(">HBB", 0, path.ttl, 17)
            self.post = path.src + path.dst + struct.pack(">HHH", sp, dp, ulen)
            self.ipbase = sum16(struct.pack(">BBH", 0x45, path.tos, 20 + ulen)) + sum16(self.mid) + sum16(path.src + path.dst)
            self.st = struct.Struct(">%dsH4sH14sHBBHI" % len(pre))
        self.pack = self.st.pack
        self.pre = pre
        self.udpbase = pseudo_sum(path.src, path.dst, 17, ulen) + sp + dp + ulen

    def frame(self, marker=False):
        seq = self.seq
        ts = self.ts
        k = seq & 15
        b1 = (0x80 | self.pt) if marker else self.pt
        s = self.udpbase + 0x8000 + b1 + seq + (ts >> 16) + (ts & 0xFFFF) + self.tailsum[k]
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        uc = (~s & 0xFFFF) or 0xFFFF
        self.seq = (seq + 1) & 0xFFFF
        self.ts = (ts + 160) & 0xFFFFFFFF
        self.sent += 1
        self.octets += 160
        ipbase = self.ipbase
        if ipbase is None:
            return self.st.pack(self.pre, uc, 0x80, b1, seq, ts) + self.tail[k]
        p = self.path
        ident = p.ident
        p.ident = (ident + 1) & 0xFFFF
        s = ipbase + ident
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        return self.pack(self.pre, ident, self.mid, ~s & 0xFFFF, self.post, uc, 0x80, b1, seq, ts) + self.tail[k]

    def skip(self):
        """A packet lost before the capture point: sequence and timestamp advance."""
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + 160) & 0xFFFFFFFF
        self.lost += 1

    def payload_bytes(self, marker=False):
        """The RTP packet as bytes (for TCP-framed media); advances like frame()."""
        seq = self.seq
        b = rtp_bytes(seq, self.ts, self.ssrc, self.g.pcmu[seq & 15], self.pt, marker)
        self.seq = (seq + 1) & 0xFFFF
        self.ts = (self.ts + 160) & 0xFFFFFFFF
        self.sent += 1
        self.octets += 160
        return b


def rtcp_sr(t_us, me, other, cname, jitter_units=0):
    """Compound RTCP: SR (with one report block about `other`) + SDES CNAME."""
    secs = t_us // 1_000_000 + NTP_EPOCH_OFFSET
    frac = ((t_us % 1_000_000) << 32) // 1_000_000
    blocks = b""
    rc = 0
    if other is not None and other.sent:
        expected = other.sent + other.lost
        frac_lost = min(255, (other.lost << 8) // max(1, expected))
        ext_high = (other.base_seq + expected - 1) & 0xFFFFFFFF
        blocks = struct.pack(">IB", other.ssrc, frac_lost) + u24(other.lost & 0xFFFFFF) + struct.pack(
            ">IIII", ext_high, jitter_units, 0, 0)
        rc = 1
    sr = struct.pack(">BBHIIIIII", 0x80 | rc, 200, 6 + 6 * rc, me.ssrc, secs & 0xFFFFFFFF, frac,
                     me.ts, me.sent, me.octets) + blocks
    cn = cname.encode()
    item = bytes([1, len(cn)]) + cn + b"\0"
    item += b"\0" * (-(len(item) + 4) % 4)
    sdes = struct.pack(">BBHI", 0x81, 202, (len(item) + 4) // 4, me.ssrc) + item
    return sr + sdes


# --------------------------------------------------------------------------
# DNS
# --------------------------------------------------------------------------


def dns_name(n):
    return b"".join(bytes([len(lab)]) + lab.encode() for lab in n.split(".") if lab) + b"\0"


def dns_rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def dns_message(tid, flags, qname, qtype, an=(), ns=(), ar=(), edns=False):
    ar = list(ar)
    if edns:
        ar.append(b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0))
    return (struct.pack(">HHHHHH", tid, flags, 1, len(an), len(ns), len(ar))
            + dns_name(qname) + struct.pack(">HH", qtype, 1) + b"".join(an) + b"".join(ns) + b"".join(ar))


QPTR = b"\xc0\x0c"      # compression pointer to the question name


def dns_srv(prio, weight, port, target):
    return struct.pack(">HHH", prio, weight, port) + dns_name(target)


def dns_soa(zone):
    return (dns_name("ns1." + zone) + dns_name("hostmaster." + zone)
            + struct.pack(">IIIII", 2026030101, 3600, 600, 1209600, 300))


def dns_txt(*strings):
    return b"".join(bytes([len(s)]) + s.encode() for s in strings)


# --------------------------------------------------------------------------
# generation context
# --------------------------------------------------------------------------


class Ctx:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        rng = self.rng
        # 16 PCMU (G.711 mu-law) 20 ms payloads: low-level noise around 0xFF/0x7F
        self.pcmu = []
        for _ in range(16):
            self.pcmu.append(bytes((0xFF if rng.random() < 0.5 else 0x7F) - rng.randrange(12) for _ in range(160)))
        self.pcmu_sum = [sum16(p) for p in self.pcmu]
        self.active = set()          # 5-tuples in use (proto, a, ap, b, bp)
        self.eph = {}                # per-host ephemeral port cursor

    def claim(self, key):
        if key in self.active:
            return False
        self.active.add(key)
        return True

    def release(self, key):
        self.active.discard(key)

    def eph_port(self, host, proto, peer, peer_port, lo=49152, hi=65535):
        cur = self.eph.get(host, lo + self.rng.randrange(hi - lo))
        for _ in range(hi - lo + 1):
            cur = lo if cur >= hi else cur + 1
            if self.claim((proto, host, cur, peer, peer_port)):
                self.eph[host] = cur
                return cur
        raise RuntimeError("ephemeral ports exhausted on %s" % host)

    def media_port(self, host, proto, peer, peer_port):
        for _ in range(100000):
            p = 50000 + self.rng.randrange(10000)
            if self.claim((proto, host, p, peer, peer_port)):
                return p
        raise RuntimeError("media ports exhausted")


def t_jit(g, base, spread):
    return base + int(g.rng.random() * spread)


# --------------------------------------------------------------------------
# session generators: each yields (t_us, frame) in time order and returns the
# time of its last packet.  Shared by --sample and the large mode.
# --------------------------------------------------------------------------

def sess_dns(g, t, qname, qtype, answer, *, src_port=None, rcode=0, edns=False, fragment=False, release=None):
    """One DNS query from the Access Edge to the resolver and its answer."""
    rng = g.rng
    sport = src_port or g.eph_port(ACCESS_EDGE, 17, DNS_RESOLVER, 53)
    q = Path(g, ACCESS_EDGE, sport, DNS_RESOLVER, 53)
    r = Path(g, DNS_RESOLVER, 53, ACCESS_EDGE, sport, ttl=63)
    tid = rng.randrange(65536)
    yield t, q.udp(dns_message(tid, 0x0100, qname, qtype, edns=edns))
    t += 800 + int(rng.random() * 4000)
    an, ns, ar = answer if answer else ((), (), ())
    resp = dns_message(tid, 0x8180 | rcode, qname, qtype, an, ns, ar, edns=edns)
    if fragment and len(resp) + 8 > 1480:
        for i, f in enumerate(r.udp_fragments(resp)):
            yield t + i * 12, f
        t += 12
    else:
        yield t, r.udp(resp)
    if release:
        g.release(release)
    else:
        g.release((17, ACCESS_EDGE, sport, DNS_RESOLVER, 53))
    return t


def answer_srv(target, port=5061, glue=None):
    an = [dns_rr(QPTR, 33, 300, dns_srv(0, 0, port, target))]
    ar = [dns_rr(dns_name(target), 1, 300, ip_bytes(glue))] if glue else []
    return an, [], ar


def answer_a(*ips):
    return [dns_rr(QPTR, 1, 300, ip_bytes(ip)) for ip in ips], [], []


def answer_nx(zone):
    return [], [dns_rr(dns_name(zone), 6, 300, dns_soa(zone))], []


def answer_big_txt(g, zone):
    rng = g.rng
    strings = ["v=spf1 include:spf.protection.outlook.com include:_spf.%s -all" % zone,
               "MS=ms%08d" % rng.randrange(10 ** 8)]
    for i in range(6):
        strings.append("edgeflow-site-verification-%d=%s" % (i, rand_bytes(rng, 96).hex()))
    return [dns_rr(QPTR, 16, 3600, dns_txt(s)) for s in strings], [], []


def tls_flight(tcp, from_c, records, mode, t, gap=40):
    """Send a flight of TLS records: 'coalesce' = one byte stream cut at the MSS,
    'per_record' = each record written separately (SChannel with NODELAY)."""
    out = []
    if mode == "coalesce":
        for f in tcp.send(from_c, b"".join(records)):
            out.append((t, f))
            t += gap
    else:
        for rec in records:
            for f in tcp.send(from_c, rec):
                out.append((t, f))
                t += gap
    return out, t - gap


def sess_tls12_mtls(g, t, cip, cport, sip, sport, *, sni, server_chain, client_chain, ca_dns,
                    rtt=20000, c_mss=1460, s_mss=1440, flight_mode="coalesce", vlan=None,
                    exchanges=((640, 420),), interval=(2_000_000, 8_000_000), close="client",
                    fail_alert=None, release=None):
    """SIP over (mutual) TLS 1.2 on TCP 5061: handshake, app data, close."""
    rng = g.rng
    tcp = Tcp(g, cip, cport, sip, sport, c_mss=c_mss, s_mss=s_mss, vlan=vlan, rtt=rtt)
    out = []
    out.append((t, tcp.syn()))
    t += tcp.lat(False); out.append((t, tcp.synack()))
    t += tcp.lat(True); out.append((t, tcp.ack(True)))
    t += 150
    for f in tcp.send(True, tls_record(22, client_hello(rng, sni))):
        out.append((t, f)); t += 30
    t += tcp.lat(False)
    recs = [tls_record(22, server_hello(rng)), tls_record(22, certificate_msg(server_chain))]
    if ca_dns is not None:
        recs.append(tls_record(22, certificate_request(ca_dns)))
    recs.append(tls_record(22, server_hello_done()))
    fl, t = tls_flight(tcp, False, recs, flight_mode, t)
    out += fl
    t += tcp.lat(True); out.append((t, tcp.ack(True)))
    t += 1500 + int(rng.random() * 2500)
    recs = []
    if ca_dns is not None:
        recs.append(tls_record(22, certificate_msg(client_chain or ())))
    recs.append(tls_record(22, client_key_exchange_rsa(rng)))
    if ca_dns is not None and client_chain:
        recs.append(tls_record(22, certificate_verify(rng)))
    recs += [TLS_CCS, tls_encrypted(rng, 22, 0, 16)]
    fl, t = tls_flight(tcp, True, recs, "coalesce", t)
    out += fl
    t += tcp.lat(False)
    if fail_alert is not None:
        out.append((t, tcp.send(False, tls_alert(2, fail_alert))[0]))
        t += 60; out.append((t, tcp.fin(False)))
        t += tcp.lat(True); out.append((t, tcp.ack(True)))
        t += 200; out.append((t, tcp.fin(True)))
        t += tcp.lat(False); out.append((t, tcp.ack(False)))
        for x in out:
            yield x
        if release:
            g.release(release)
        return t
    out.append((t, tcp.send(False, TLS_CCS + tls_encrypted(rng, 22, 0, 16))[0]))
    for x in out:
        yield x
    # application data: client request -> server response -> client ACK
    cseq_n = sseq_n = 1
    for i, (creq, sresp) in enumerate(exchanges):
        if i:
            t += interval[0] + int(rng.random() * (interval[1] - interval[0]))
        else:
            t += tcp.lat(True)
        for f in tcp.send(True, tls_encrypted(rng, 23, cseq_n, creq)):
            yield t, f
            t += 30
        cseq_n += 1
        t += tcp.lat(False)
        if sresp:
            for f in tcp.send(False, tls_encrypted(rng, 23, sseq_n, sresp)):
                yield t, f
                t += 30
            sseq_n += 1
            t += tcp.lat(True) if tcp.c.local else 40000 + tcp.rtt
            yield t, tcp.ack(True)
        else:
            yield t, tcp.ack(False)
    if close:
        first_c = close == "client"
        t += 5000 + int(rng.random() * 20000)
        yield t, tcp.fin(first_c)
        t += tcp.lat(not first_c); yield t, tcp.fin(not first_c)
        t += tcp.lat(first_c); yield t, tcp.ack(first_c)
    if release:
        g.release(release)
    return t


def sess_tcp_rejected(g, t, cip, cport, sip, sport, rtt=20000, release=None):
    tcp = Tcp(g, cip, cport, sip, sport, rtt=rtt)
    yield t, tcp.syn()
    t += tcp.lat(False)
    yield t, tcp.rst(False)
    if release:
        g.release(release)
    return t


def sess_tcp_unanswered(g, t, cip, cport, sip, sport, retries=3, release=None):
    tcp = Tcp(g, cip, cport, sip, sport)
    isn = tcp.cseq
    rto = 1_000_000
    yield t, tcp.syn(seq=isn)
    for _ in range(retries):
        t += rto + int(g.rng.random() * 2000)
        rto *= 2
        yield t, tcp.syn(seq=isn)
    if release:
        g.release(release)
    return t


SIP_OPTIONS = (
    "OPTIONS sip:sipfed.online.lync.com:5060;transport=tcp SIP/2.0\r\n"
    "Via: SIP/2.0/TCP {ip}:{port};branch=z9hG4bK{branch}\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:sip.contoso.com>;tag={tag}\r\n"
    "To: <sip:sipfed.online.lync.com>\r\n"
    "Call-ID: {callid}\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Contact: <sip:sip.contoso.com:{port};transport=tcp>\r\n"
    "Accept: application/sdp\r\n"
    "User-Agent: RTCC/7.0.0.0 AccessEdge\r\n"
    "Content-Length: 0\r\n\r\n")

SIP_403 = (
    "SIP/2.0 403 Forbidden\r\n"
    "Via: SIP/2.0/TCP {ip}:{port};branch=z9hG4bK{branch}\r\n"
    "From: <sip:sip.contoso.com>;tag={tag}\r\n"
    "To: <sip:sipfed.online.lync.com>;tag={rtag}\r\n"
    "Call-ID: {callid}\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "ms-diagnostics: 1003;reason=\"TLS is required\"\r\n"
    "Content-Length: 0\r\n\r\n")


def sess_sip_plaintext(g, t, cport, dst=O365_SIPFED, release=None):
    """Plaintext SIP OPTIONS over TCP 5060 (violation: MTLS 5061 required)."""
    rng = g.rng
    tcp = Tcp(g, ACCESS_EDGE, cport, dst, 5060)
    v = dict(ip=ACCESS_EDGE, port=cport, branch=rand_bytes(rng, 6).hex(), tag=rand_bytes(rng, 4).hex(),
             rtag=rand_bytes(rng, 4).hex(), callid=rand_bytes(rng, 8).hex())
    yield t, tcp.syn()
    t += tcp.lat(False); yield t, tcp.synack()
    t += tcp.lat(True); yield t, tcp.ack(True)
    t += 120
    for f in tcp.send(True, SIP_OPTIONS.format(**v).encode()):
        yield t, f
    t += tcp.lat(False)
    for f in tcp.send(False, SIP_403.format(**v).encode()):
        yield t, f
    t += 60; yield t, tcp.fin(False)
    t += tcp.lat(True); yield t, tcp.ack(True)
    t += 300; yield t, tcp.fin(True)
    t += tcp.lat(False); yield t, tcp.ack(False)
    if release:
        g.release(release)
    return t


def binding_pair(g, req_path, resp_path, *, ice=True, controlling=True, answered=True, mapped=None,
                 ms_impl=True, password=None):
    """An RFC 5389 Binding request (+ success response) with FINGERPRINT."""
    rng = g.rng
    tid = new_tid(rng)
    attrs = []
    if ice:
        attrs.append((A_USERNAME, ("%s:%s" % (rand_bytes(rng, 3).hex(), rand_bytes(rng, 3).hex())).encode()))
        attrs.append((A_PRIORITY, u32(0x6E0001FF)))
        attrs.append((A_ICE_CONTROLLING if controlling else A_ICE_CONTROLLED, rand_bytes(rng, 8)))
    if ms_impl:
        attrs.append((A_MS_IMPL, u32(3)))
    key = (password or "edgeflow-ice-pwd").encode() if ice else None
    req = stun_message(0x0001, tid, attrs, key=key, fingerprint=True)
    if not answered:
        return req, None
    m = mapped or (req_path.src_txt, req_path.sport)
    rattrs = [(A_XOR_MAPPED, xor_addr(*m))]
    if ms_impl:
        rattrs.append((A_MS_IMPL, u32(3)))
    resp = stun_message(0x0101, tid, rattrs, key=key, fingerprint=True)
    return req, resp


def msturn_allocate_exchange(g, user, realm, password, mapped, relayed, nonce, lifetime=480):
    """The four MS-TURN messages: Allocate, 401 (REALM/NONCE), Allocate + MI, success."""
    rng = g.rng
    key = long_term_key(user, realm, password)
    magic = (A_MS_MAGIC, u32(MS_MAGIC_COOKIE))
    ver = (A_MS_VERSION, u32(2))
    sq = (A_MS_SQ, struct.pack(">HH", 1, 0))
    tid1 = new_tid(rng)
    m1 = stun_message(0x0003, tid1, [magic, ver, sq])
    m2 = stun_message(0x0113, tid1, [magic, (A_ERROR, error_code(401, "Unauthorized")),
                                      (A_MS_REALM, realm.encode()), (A_MS_NONCE, nonce.encode()), ver])
    tid2 = new_tid(rng)
    m3 = stun_message(0x0003, tid2, [magic, ver, (A_USERNAME, user.encode()), (A_MS_REALM, realm.encode()),
                                      (A_MS_NONCE, nonce.encode()), sq], key=key, ms_integrity=True)
    m4 = stun_message(0x0103, tid2, [magic, (A_XOR_MAPPED, xor_addr(*mapped)), (A_XOR_RELAYED, xor_addr(*relayed)),
                                      (A_LIFETIME, u32(lifetime)), ver], key=key, ms_integrity=True)
    return m1, m2, m3, m4, key


def msturn_set_active_destination(g, user, realm, nonce, key, dest):
    rng = g.rng
    tid = new_tid(rng)
    magic = (A_MS_MAGIC, u32(MS_MAGIC_COOKIE))
    req = stun_message(0x0006, tid, [magic, (A_USERNAME, user.encode()), (A_MS_DEST, plain_addr(*dest)),
                                     (A_MS_REALM, realm.encode()), (A_MS_NONCE, nonce.encode())],
                       key=key, ms_integrity=True)
    resp = stun_message(0x0106, tid, [magic], key=key, ms_integrity=True)
    return req, resp


def turn_credentials(g):
    rng = g.rng
    user = base64.b64encode(rand_bytes(rng, 24)).decode()          # 32 chars
    return user, "contoso-mrelay01", rand_bytes(rng, 12).hex(), rand_bytes(rng, 16).hex()  # realm 16, pwd, nonce 32


def rtp_media(g, t, fwd, rev, n_fwd, n_rev, *, start_offset_rev=None, losses_fwd=(), losses_rev=(),
              loss_rate=0.0, jitter_fwd=600, jitter_rev=3000, rtcp_every=250, cname_fwd="edge", cname_rev="peer",
              marker=True):
    """Two-way PCMU RTP (20 ms packets, +160 timestamps) with RTCP SR every rtcp_every
    packets (~5 s), deliberate losses (indexes) and arrival jitter (us).  fwd/rev are
    RtpSender objects.  Yields merged (t, frame)."""
    rng = g.rng
    lf, lr = set(losses_fwd), set(losses_rev)
    nom_f = t
    nom_r = t + (start_offset_rev if start_offset_rev is not None else 7000 + int(rng.random() * 12000))
    i_f = i_r = 0
    last_f = last_r = 0
    arr_f = nom_f
    arr_r = nom_r
    last = t
    while i_f < n_fwd or i_r < n_rev:
        if i_r >= n_rev or (i_f < n_fwd and arr_f <= arr_r):
            # forward direction
            if i_f in lf or (loss_rate and rng.random() < loss_rate):
                fwd.skip()
            else:
                ts = arr_f if arr_f > last_f else last_f + 1
                last_f = ts
                if rtcp_every and i_f and i_f % rtcp_every == rtcp_every // 2:
                    yield ts, fwd.path.udp(rtcp_sr(ts, fwd, rev, cname_fwd))
                    ts += 1
                    last_f = ts
                yield ts, fwd.frame(marker and i_f == 0)
                last = ts if ts > last else last
            i_f += 1
            nom_f += 20000
            arr_f = nom_f + int(rng.random() * jitter_fwd)
        else:
            if i_r in lr or (loss_rate and rng.random() < loss_rate):
                rev.skip()
            else:
                ts = arr_r if arr_r > last_r else last_r + 1
                last_r = ts
                if rtcp_every and i_r and i_r % rtcp_every == rtcp_every // 2:
                    yield ts, rev.path.udp(rtcp_sr(ts, rev, fwd, cname_rev, jitter_units=jitter_rev // 125 // 4))
                    ts += 1
                    last_r = ts
                yield ts, rev.frame(marker and i_r == 0)
                last = ts if ts > last else last
            i_r += 1
            nom_r += 20000
            r = rng.random()
            arr_r = nom_r + int(r * r * jitter_rev * 2)
    return last


def sess_relay_udp(g, t, edge_port, relay_ip, *, n_media=(20, 20), unanswered_binding=True,
                   losses=((), ()), rtt=18000, loss_rate=0.0, bindings=2, release=None):
    """A/V Edge :3478 <-> Office 365 relay :3478: MS-TURN allocation (401 then success),
    Set Active Destination, RFC 5389 Binding checks with FINGERPRINT, then raw RTP relayed
    on the same 5-tuple, and one Binding request left unanswered."""
    rng = g.rng
    c = Path(g, AV_EDGE, edge_port, relay_ip, 3478)
    s = Path(g, relay_ip, 3478, AV_EDGE, edge_port)
    user, realm, pwd, nonce = turn_credentials(g)
    relayed = (relay_ip, 50000 + rng.randrange(10000))
    m1, m2, m3, m4, key = msturn_allocate_exchange(g, user, realm, pwd, (AV_EDGE, edge_port), relayed, nonce)
    yield t, c.udp(m1)
    t += rtt; yield t, s.udp(m2)
    t += 300; yield t, c.udp(m3)
    t += rtt; yield t, s.udp(m4)
    peer = ("198.51.100.%d" % (1 + rng.randrange(254)), 50000 + rng.randrange(60))
    for _ in range(bindings):
        t += 20000 + int(rng.random() * 30000)
        req, resp = binding_pair(g, c, s)
        yield t, c.udp(req)
        t += rtt; yield t, s.udp(resp)
    t += 2000
    req, resp = msturn_set_active_destination(g, user, realm, nonce, key, peer)
    yield t, c.udp(req)
    t += rtt; yield t, s.udp(resp)
    t += 5000
    c.tos = 0xB8
    fwd, rev = RtpSender(g, c), RtpSender(g, s)
    t = yield from rtp_media(g, t, fwd, rev, n_media[0], n_media[1], losses_fwd=losses[0], losses_rev=losses[1],
                             loss_rate=loss_rate, cname_fwd="avedge@contoso.com", cname_rev="relay@online.lync.com")
    if unanswered_binding:
        t += 15000
        req, _ = binding_pair(g, c, s, answered=False)
        yield t, c.udp(req)
    if release:
        g.release(release)
    return t


def sess_turn_client(g, t, cip, cport, *, keepalives=0, keepalive_gap=(10_000_000, 25_000_000),
                     channel_data=0, dealloc=True, vanish=False, rtt=40000, refresh=True, release=None):
    """Remote client -> A/V Edge :3478, RFC 5766 TURN: Allocate 401, Allocate, success,
    Refresh (+ optional CreatePermission/ChannelBind/ChannelData/keepalives)."""
    rng = g.rng
    c = Path(g, cip, cport, AV_EDGE, 3478)
    s = Path(g, AV_EDGE, 3478, cip, cport)
    user = "%s@contoso.com" % rand_bytes(rng, 4).hex()      # 20 chars
    realm = "SfbAVEdge.contoso.com"
    nonce = rand_bytes(rng, 16).hex()
    key = long_term_key(user, realm, "password")
    sw = (A_SOFTWARE, b"Edgeflow-Client/1.0")
    tid = new_tid(rng)
    yield t, c.udp(stun_message(0x0003, tid, [(A_REQ_TRANSPORT, b"\x11\0\0\0"), sw], fingerprint=True))
    t += 400; yield t, s.udp(stun_message(0x0113, tid, [(A_ERROR, error_code(401, "Unauthorized")),
                                                         (A_RFC_REALM, realm.encode()), (A_RFC_NONCE, nonce.encode())],
                                           fingerprint=True))
    auth = [(A_USERNAME, user.encode()), (A_RFC_REALM, realm.encode()), (A_RFC_NONCE, nonce.encode())]
    t += rtt
    tid = new_tid(rng)
    yield t, c.udp(stun_message(0x0003, tid, [(A_REQ_TRANSPORT, b"\x11\0\0\0"), sw] + auth, key=key, fingerprint=True))
    relay_port = 50000 + rng.randrange(10000)
    t += 400; yield t, s.udp(stun_message(0x0103, tid, [(A_XOR_RELAYED, xor_addr(AV_EDGE, relay_port)),
                                                         (A_XOR_MAPPED, xor_addr(cip, cport)),
                                                         (A_LIFETIME, u32(600))], key=key, fingerprint=True))
    peer = (AV_EDGE, 50000 + rng.randrange(10000))
    if channel_data:
        t += rtt
        tid = new_tid(rng)
        yield t, c.udp(stun_message(0x0009, tid, [(A_CHANNEL, b"\x40\x00\0\0"), (A_XOR_PEER, xor_addr(*peer))] + auth,
                                    key=key, fingerprint=True))
        t += 400; yield t, s.udp(stun_message(0x0109, tid, [], key=key, fingerprint=True))
        ssrc = rng.getrandbits(32)
        seq = rng.randrange(65536)
        ts = rng.getrandbits(32)
        for i in range(channel_data):
            t += 20000 + int(rng.random() * 3000)
            pkt = rtp_bytes(seq, ts, ssrc, g.pcmu[seq & 15], 0, i == 0)
            seq = (seq + 1) & 0xFFFF
            ts = (ts + 160) & 0xFFFFFFFF
            yield t, c.udp(struct.pack(">HH", 0x4000, len(pkt)) + pkt)
    if refresh:
        t += rtt + 100000
        tid = new_tid(rng)
        yield t, c.udp(stun_message(0x0004, tid, [(A_LIFETIME, u32(600))] + auth, key=key, fingerprint=True))
        t += 400; yield t, s.udp(stun_message(0x0104, tid, [(A_LIFETIME, u32(600))], key=key, fingerprint=True))
    for i in range(keepalives):
        t += keepalive_gap[0] + int(rng.random() * (keepalive_gap[1] - keepalive_gap[0]))
        req, resp = binding_pair(g, c, s, ice=False, ms_impl=False)
        yield t, c.udp(req)
        if vanish and i == keepalives - 1:
            break
        t += 300 + int(rng.random() * 500); yield t, s.udp(resp)
    if dealloc and not vanish:
        t += 1_000_000
        tid = new_tid(rng)
        yield t, c.udp(stun_message(0x0004, tid, [(A_LIFETIME, u32(0))] + auth, key=key, fingerprint=True))
        t += 400; yield t, s.udp(stun_message(0x0104, tid, [(A_LIFETIME, u32(0))], key=key, fingerprint=True))
    if release:
        g.release(release)
    return t


def sess_stun_probe(g, t, src_ip, src_port, dst_ip, dst_port, *, rtt=20000, answered=True, release=None):
    """A single Binding request/response (used for the port / range violations)."""
    c = Path(g, src_ip, src_port, dst_ip, dst_port)
    s = Path(g, dst_ip, dst_port, src_ip, src_port)
    req, resp = binding_pair(g, c, s)
    yield t, c.udp(req)
    if answered:
        t += rtt
        yield t, s.udp(resp)
    if release:
        g.release(release)
    return t


def sess_msturn_tcp(g, t, cip, cport, sip, sport, *, outbound=True, media_pkts=(2, 2), rtt=18000,
                    release=None):
    """MS-TURN over TCP 443: handshake, 50-byte pseudo-TLS ClientHello, 83-byte
    ServerHello+ServerHelloDone, then 4-byte framed messages (0x02 TURN control,
    0x03 end-to-end data).  outbound=True: A/V Edge allocates on the O365 relay;
    False: the O365 side opens the connection and runs ICE checks + media."""
    rng = g.rng
    tcp = Tcp(g, cip, cport, sip, sport, c_mss=1460 if tcp_local(cip) else 1440,
              s_mss=1440 if not tcp_local(sip) else 1460, rtt=rtt)
    yield t, tcp.syn()
    t += tcp.lat(False); yield t, tcp.synack()
    t += tcp.lat(True); yield t, tcp.ack(True)
    t += 100
    yield t, tcp.send(True, pseudo_tls_client_hello(rng))[0]
    t += tcp.lat(False)
    yield t, tcp.send(False, pseudo_tls_server_hello(rng))[0]
    t += tcp.lat(True)
    if outbound:
        user, realm, pwd, nonce = turn_credentials(g)
        relayed = (sip, 50000 + rng.randrange(10000))
        m1, m2, m3, m4, key = msturn_allocate_exchange(g, user, realm, pwd, (cip, cport), relayed, nonce)
        yield t, tcp.send(True, msturn_frame(2, m1))[0]
        t += tcp.lat(False); yield t, tcp.send(False, msturn_frame(2, m2))[0]
        t += tcp.lat(True); yield t, tcp.send(True, msturn_frame(2, m3))[0]
        t += tcp.lat(False); yield t, tcp.send(False, msturn_frame(2, m4))[0]
        t += tcp.lat(True)
        peer = ("198.51.100.%d" % (1 + rng.randrange(254)), 50000 + rng.randrange(60))
        req, resp = msturn_set_active_destination(g, user, realm, nonce, key, peer)
        yield t, tcp.send(True, msturn_frame(2, req))[0]
        t += tcp.lat(False); yield t, tcp.send(False, msturn_frame(2, resp))[0]
    else:
        req, resp = binding_pair(g, tcp.c, tcp.s)
        yield t, tcp.send(True, msturn_frame(3, req))[0]
        t += tcp.lat(False); yield t, tcp.send(False, msturn_frame(3, resp))[0]
    t += 3000
    a = RtpSender(g, tcp.c)
    b = RtpSender(g, tcp.s)
    na, nb = media_pkts
    ta, tb = t, t + 9000
    ia = ib = 0
    while ia < na or ib < nb:
        if ib >= nb or (ia < na and ta <= tb):
            yield ta, tcp.send(True, msturn_frame(3, a.payload_bytes(ia == 0)))[0]
            ia += 1
            ta += 20000 + int(rng.random() * 2000)
        else:
            yield tb, tcp.send(False, msturn_frame(3, b.payload_bytes(ib == 0)))[0]
            ib += 1
            tb += 20000 + int(rng.random() * 6000)
    t = max(ta, tb)
    yield t, tcp.fin(True)
    t += tcp.lat(False); yield t, tcp.fin(False)
    t += tcp.lat(True); yield t, tcp.ack(True)
    if release:
        g.release(release)
    return t


def tcp_local(ip):
    return ip in EDGE_IPS


def sess_webconf_tls13(g, t, cip, cport, *, vlan=WEBCONF_VLAN, rtt=35000, app=2, release=None):
    """Remote client -> Web Conferencing Edge :443 (PSOM over TLS 1.3), in VLAN 100."""
    rng = g.rng
    tcp = Tcp(g, cip, cport, WEBCONF_EDGE, 443, c_mss=1400, s_mss=1460, vlan=vlan, rtt=rtt)
    yield t, tcp.syn()
    t += tcp.lat(False); yield t, tcp.synack()
    t += tcp.lat(True); yield t, tcp.ack(True)
    t += 200
    ch = client_hello(rng, "webcon.contoso.com", tls13=True)
    sid = ch[4 + 2 + 32 + 1:4 + 2 + 32 + 1 + 32]
    yield t, tcp.send(True, tls_record(22, ch, ver=0x0301))[0]
    t += tcp.lat(False)
    flight = (tls_record(22, server_hello(rng, 0x1302, tls13_sid=sid)) + TLS_CCS
              + tls13_record(rng, 620) + tls13_record(rng, 280) + tls13_record(rng, 52))
    for f in tcp.send(False, flight):
        yield t, f
        t += 40
    t += tcp.lat(True)
    yield t, tcp.send(True, TLS_CCS + tls13_record(rng, 52))[0]
    for _ in range(app):
        t += 20000 + int(rng.random() * 80000)
        yield t, tcp.send(True, tls13_record(rng, 180 + rng.randrange(300)))[0]
        t += tcp.lat(False)
        yield t, tcp.send(False, tls13_record(rng, 120 + rng.randrange(900)))[0]
        t += tcp.lat(True)
        yield t, tcp.ack(True)
    t += 50000
    yield t, tcp.fin(True)
    t += tcp.lat(False); yield t, tcp.fin(False)
    t += tcp.lat(True); yield t, tcp.ack(True)
    if release:
        g.release(release)
    return t


# --------------------------------------------------------------------------
# the bundled sample
# --------------------------------------------------------------------------


def sample_sessions(g):
    """Hand-placed sessions of the sample: (start_us_offset, generator)."""
    S = []
    ms = 1000
    # 7. DNS
    S.append((0, sess_dns(g, 0, "_sipfederationtls._tcp.contoso.com", 33,
                          answer_srv("sip.contoso.com", 5061, ACCESS_EDGE), src_port=53001)))
    S.append((40 * ms, sess_dns(g, 40 * ms, "sipfed.online.lync.com", 1, answer_a(O365_SIPFED), src_port=53002)))
    S.append((90 * ms, sess_dns(g, 90 * ms, "_sipfederationtls._tcp.litwareinc.com", 33, answer_nx("litwareinc.com"),
                                src_port=53003, rcode=3)))
    # 8e. fragmented datagram: large EDNS TXT answer
    S.append((130 * ms, sess_dns(g, 130 * ms, "contoso.com", 16, answer_big_txt(g, "contoso.com"), src_port=53004,
                                 edns=True, fragment=True)))
    # 1. SIP/MTLS outbound Access Edge -> sipfed.online.lync.com
    S.append((200 * ms, sess_tls12_mtls(g, 200 * ms, ACCESS_EDGE, 49710, O365_SIPFED, 5061,
                                        sni="sipfed.online.lync.com", server_chain=SERVER_CHAIN_O365,
                                        client_chain=CLIENT_CHAIN_CONTOSO, ca_dns=CA_LIST_O365, rtt=20 * ms,
                                        c_mss=1460, s_mss=1440, flight_mode="per_record",
                                        exchanges=((760, 420), (380, 0), (520, 300)),
                                        interval=(150 * ms, 400 * ms))))
    # 2. SIP/MTLS inbound Office 365 -> Access Edge
    S.append((450 * ms, sess_tls12_mtls(g, 450 * ms, O365_SIPFED, 52344, ACCESS_EDGE, 5061,
                                        sni="sip.contoso.com", server_chain=SERVER_CHAIN_CONTOSO,
                                        client_chain=CLIENT_CHAIN_O365, ca_dns=CA_LIST_EDGE, rtt=20 * ms,
                                        c_mss=1440, s_mss=1460, flight_mode="coalesce",
                                        exchanges=((720, 450),), close="server")))
    # 3. rejected and unanswered 5061 SYNs
    S.append((300 * ms, sess_tcp_rejected(g, 300 * ms, ACCESS_EDGE, 49711, O365_REJECTING, 5061)))
    S.append((320 * ms, sess_tcp_unanswered(g, 320 * ms, ACCESS_EDGE, 49712, O365_SILENT, 5061, retries=3)))
    # 4. MS-TURN on UDP 3478 <-> 3478, then relayed media (6) on the same 5-tuple
    S.append((700 * ms, sess_relay_udp(g, 700 * ms, 3478, O365_RELAY, n_media=(16, 16), losses=((), (7,)),
                                       rtt=18 * ms)))
    # 4b. RFC 5766 TURN from a remote client, with Refresh
    S.append((760 * ms, sess_turn_client(g, 760 * ms, "198.51.100.30", 50040, keepalives=0, dealloc=False,
                                         rtt=40 * ms)))
    # 5. MS-TURN over TCP 443, outbound and inbound
    S.append((1000 * ms, sess_msturn_tcp(g, 1000 * ms, AV_EDGE, 50123, O365_RELAY, 443, outbound=True,
                                         media_pkts=(2, 2), rtt=18 * ms)))
    S.append((1100 * ms, sess_msturn_tcp(g, 1100 * ms, O365_RELAY_IN, 443, AV_EDGE, 50200, outbound=False,
                                         media_pkts=(2, 2), rtt=18 * ms)))
    # 6. RTP with a remote client, both directions, losses, jitter, RTCP SR
    fwd = RtpSender(g, Path(g, AV_EDGE, 50010, "198.51.100.21", 50004, tos=0xB8))
    rev = RtpSender(g, Path(g, "198.51.100.21", 50004, AV_EDGE, 50010))
    S.append((1300 * ms, rtp_media(g, 1300 * ms, fwd, rev, 44, 44, start_offset_rev=9 * ms,
                                   losses_fwd=(30,), losses_rev=(17, 33, 34), rtcp_every=50,
                                   cname_fwd="avedge@contoso.com", cname_rev="alice@contoso.com")))
    # 8. violations
    S.append((2000 * ms, sess_stun_probe(g, 2000 * ms, AV_EDGE, 3479, O365_RELAY, 3478, rtt=18 * ms)))
    S.append((2050 * ms, sess_sip_plaintext(g, 2050 * ms, 49713)))
    S.append((2100 * ms, sess_stun_probe(g, 2100 * ms, AV_EDGE, 3478, NOT_O365, 3478, rtt=25 * ms)))
    S.append((2200 * ms, sess_webconf_tls13(g, 2200 * ms, "198.51.100.60", 51000, app=1)))
    S.append((2400 * ms, sess_tls12_mtls(g, 2400 * ms, ACCESS_EDGE6, 49720, O365_V6, 5061,
                                         sni="sipfed.online.lync.com", server_chain=SERVER_CHAIN_O365[:2],
                                         client_chain=CHAIN_CONTOSO_EXPIRED, ca_dns=CA_LIST_O365, rtt=22 * ms,
                                         c_mss=1440, s_mss=1440, fail_alert=45)))
    return S


def run_sample(g):
    pkts = []
    n = 0
    for start, gen in sample_sessions(g):
        for t, f in gen:
            pkts.append((t, n, f))
            n += 1
    pkts.sort()
    return [(CAPTURE_START_US + t, f) for t, _, f in pkts]


# --------------------------------------------------------------------------
# large mode: pools of "slots", each an endless chain of sessions
# --------------------------------------------------------------------------

O365_SIPFED_POOL = (O365_SIPFED, "52.112.1.6", "52.113.64.10", "52.113.64.11", "52.122.16.5", "52.122.16.6")
O365_SIPFED6_POOL = ("2603:1063::5", "2603:1063::6", "2603:1063:1::14")
PARTNER_DOMAINS = ("fabrikam.com", "litwareinc.com", "adatum.com", "northwindtraders.com", "tailspintoys.com",
                   "wingtiptoys.com", "woodgrovebank.com", "proseware.com", "fourthcoffee.com", "treyresearch.net")


def rand_o365_v4(g):
    rng = g.rng
    if rng.random() < 0.8:
        return "52.%d.%d.%d" % (112 + rng.randrange(4), rng.randrange(256), 1 + rng.randrange(254))
    return "52.%d.%d.%d" % (122 + rng.randrange(2), rng.randrange(256), 1 + rng.randrange(254))


def rand_client(g):
    return "198.51.100.%d" % (1 + g.rng.randrange(254))


def claim_random(g, proto, a, ap_fn, b_fn, bp_fn):
    for _ in range(1000):
        key = (proto, a, ap_fn(), b_fn(), bp_fn())
        if g.claim(key):
            return key
    raise RuntimeError("could not find a free 5-tuple")


def slot_rtp_remote(g, t, first):
    """A/V Edge media port <-> remote client: ICE checks, then a PCMU call."""
    rng = g.rng
    key = claim_random(g, 17, AV_EDGE, lambda: 50000 + rng.randrange(10000), lambda: rand_client(g),
                       lambda: (50000 + rng.randrange(20)) if rng.random() < 0.5 else 49152 + rng.randrange(16384))
    _, a, ap, b, bp = key
    c = Path(g, a, ap, b, bp, tos=0xB8)
    s = Path(g, b, bp, a, ap)
    if not first:
        for i in range(2):
            req, resp = binding_pair(g, c, s, controlling=True)
            yield t, c.udp(req)
            t += 40000 + int(rng.random() * 10000)
            yield t, s.udp(resp)
            t += 2000
            req, resp = binding_pair(g, s, c, controlling=False)
            yield t, s.udp(req)
            t += 300
            yield t, c.udp(resp)
            t += 5000
    n = int(rng.uniform(20, 240) * 50)
    fwd, rev = RtpSender(g, c), RtpSender(g, s)
    if first:       # call already running when the capture starts
        n = int(n * rng.random()) + 50
    t = yield from rtp_media(g, t, fwd, rev, n, n - rng.randrange(10), loss_rate=0.004 + rng.random() * 0.01,
                             jitter_fwd=800, jitter_rev=2000 + rng.randrange(12000), marker=not first,
                             cname_fwd="avedge@contoso.com", cname_rev="user%d@contoso.com" % rng.randrange(10000))
    g.release(key)
    return t


def slot_relay_udp(g, t, first):
    rng = g.rng
    key = claim_random(g, 17, AV_EDGE, lambda: 3478, lambda: rand_o365_v4(g), lambda: 3478)
    n = int(rng.uniform(20, 240) * 50)
    t = yield from sess_relay_udp(g, t, 3478, key[3], n_media=(n, n - rng.randrange(10)),
                                  unanswered_binding=rng.random() < 0.3, loss_rate=0.003 + rng.random() * 0.01,
                                  rtt=12000 + rng.randrange(30000), bindings=1 + rng.randrange(2))
    g.release(key)
    return t


def slot_turn_client(g, t, first):
    """Low-rate remote client TURN allocations with keepalives: the bulk of concurrent flows."""
    rng = g.rng
    key = claim_random(g, 17, rand_client(g), lambda: 49152 + rng.randrange(16384), lambda: AV_EDGE, lambda: 3478)
    _, a, ap, _, _ = key
    # (the 5-tuple is keyed client-first here; it cannot clash with Edge-first keys)
    kind = rng.random()
    t = yield from sess_turn_client(g, t, a, ap, keepalives=2 + rng.randrange(12), channel_data=rng.randrange(4)
                                    if kind < 0.3 else 0, vanish=kind > 0.9, refresh=rng.random() < 0.7,
                                    rtt=20000 + rng.randrange(100000))
    g.release(key)
    return t


def slot_mtls(g, t, first):
    rng = g.rng
    r = rng.random()
    n_ex = 1 + rng.randrange(12)
    exchanges = tuple((300 + rng.randrange(1400), rng.choice((0, 300 + rng.randrange(900)))) for _ in range(n_ex))
    mss = rng.choice((1460, 1460, 1440, 1400, 1380, 1360, 536))
    mode = rng.choice(("coalesce", "per_record"))
    if r < 0.45:        # outbound to Office 365
        srv = rng.choice(O365_SIPFED_POOL)
        cport = g.eph_port(ACCESS_EDGE, 6, srv, 5061)
        key = (6, ACCESS_EDGE, cport, srv, 5061)
        gen = sess_tls12_mtls(g, t, ACCESS_EDGE, cport, srv, 5061, sni="sipfed.online.lync.com",
                              server_chain=SERVER_CHAIN_O365 if rng.random() < 0.5 else SERVER_CHAIN_O365[:2],
                              client_chain=CLIENT_CHAIN_CONTOSO, ca_dns=CA_LIST_O365,
                              rtt=15000 + rng.randrange(20000), c_mss=mss, s_mss=1440, flight_mode=mode,
                              exchanges=exchanges, interval=(5_000_000, 40_000_000))
    elif r < 0.75:      # inbound from Office 365
        cli = rng.choice(O365_SIPFED_POOL)
        key = claim_random(g, 6, cli, lambda: 49152 + rng.randrange(16384), lambda: ACCESS_EDGE, lambda: 5061)
        gen = sess_tls12_mtls(g, t, cli, key[2], ACCESS_EDGE, 5061, sni="sip.contoso.com",
                              server_chain=SERVER_CHAIN_CONTOSO, client_chain=CLIENT_CHAIN_O365,
                              ca_dns=CA_LIST_EDGE, rtt=15000 + rng.randrange(20000), c_mss=1440, s_mss=1460,
                              flight_mode=mode, exchanges=exchanges, interval=(5_000_000, 40_000_000),
                              close=rng.choice(("client", "server")))
    elif r < 0.93:      # federation partner (not Office 365)
        partner = rand_client(g)
        if rng.random() < 0.5:
            cport = g.eph_port(ACCESS_EDGE, 6, partner, 5061)
            key = (6, ACCESS_EDGE, cport, partner, 5061)
            gen = sess_tls12_mtls(g, t, ACCESS_EDGE, cport, partner, 5061, sni="sip.fabrikam.com",
                                  server_chain=CHAIN_FABRIKAM, client_chain=CLIENT_CHAIN_CONTOSO,
                                  ca_dns=CA_LIST_O365, rtt=30000 + rng.randrange(60000), c_mss=mss,
                                  flight_mode=mode, exchanges=exchanges, interval=(5_000_000, 40_000_000))
        else:
            key = claim_random(g, 6, partner, lambda: 49152 + rng.randrange(16384), lambda: ACCESS_EDGE,
                               lambda: 5061)
            gen = sess_tls12_mtls(g, t, partner, key[2], ACCESS_EDGE, 5061, sni="sip.contoso.com",
                                  server_chain=SERVER_CHAIN_CONTOSO, client_chain=CHAIN_FABRIKAM,
                                  ca_dns=CA_LIST_EDGE, rtt=30000 + rng.randrange(60000), s_mss=1460,
                                  c_mss=mss, flight_mode=mode, exchanges=exchanges,
                                  interval=(5_000_000, 40_000_000))
    else:               # IPv6 outbound; some still present the expired certificate
        srv = rng.choice(O365_SIPFED6_POOL)
        cport = g.eph_port(ACCESS_EDGE6, 6, srv, 5061)
        key = (6, ACCESS_EDGE6, cport, srv, 5061)
        expired = rng.random() < 0.2
        gen = sess_tls12_mtls(g, t, ACCESS_EDGE6, cport, srv, 5061, sni="sipfed.online.lync.com",
                              server_chain=SERVER_CHAIN_O365[:2],
                              client_chain=CHAIN_CONTOSO_EXPIRED if expired else CLIENT_CHAIN_CONTOSO,
                              ca_dns=CA_LIST_O365, rtt=15000 + rng.randrange(20000), c_mss=1440,
                              flight_mode=mode, exchanges=exchanges, interval=(5_000_000, 40_000_000),
                              fail_alert=45 if expired else None)
    t = yield from gen
    g.release(key)
    return t


def slot_msturn_tcp(g, t, first):
    rng = g.rng
    n = int(rng.uniform(5, 60) * 50)
    if rng.random() < 0.7:
        relay = "52.%d.%d.%d" % (112 + rng.randrange(4), rng.randrange(256), 1 + rng.randrange(254))
        port = g.media_port(AV_EDGE, 6, relay, 443)
        key = (6, AV_EDGE, port, relay, 443)
        gen = sess_msturn_tcp(g, t, AV_EDGE, port, relay, 443, outbound=True, media_pkts=(n, n),
                              rtt=12000 + rng.randrange(30000))
    else:
        relay = rand_o365_v4(g)
        key = claim_random(g, 6, relay, lambda: 443, lambda: AV_EDGE, lambda: 50000 + rng.randrange(10000))
        gen = sess_msturn_tcp(g, t, relay, 443, AV_EDGE, key[4], outbound=False, media_pkts=(n, n),
                              rtt=12000 + rng.randrange(30000))
    t = yield from gen
    g.release(key)
    return t


def slot_dns(g, t, first):
    rng = g.rng
    r = rng.random()
    dom = rng.choice(PARTNER_DOMAINS)
    if r < 0.4:
        ans = answer_srv("sip." + dom, 5061, rand_client(g))
        gen = sess_dns(g, t, "_sipfederationtls._tcp." + dom, 33, ans)
    elif r < 0.6:
        gen = sess_dns(g, t, "_sipfederationtls._tcp." + dom, 33, answer_nx(dom), rcode=3)
    elif r < 0.9:
        gen = sess_dns(g, t, "sipfed.online.lync.com", 1, answer_a(rng.choice(O365_SIPFED_POOL[:2])))
    elif r < 0.97:
        gen = sess_dns(g, t, "sipfed.online.lync.com", 28,
                       ([dns_rr(QPTR, 28, 300, ip_bytes(rng.choice(O365_SIPFED6_POOL)))], [], []))
    else:
        gen = sess_dns(g, t, dom, 16, answer_big_txt(g, dom), edns=True, fragment=True)
    return (yield from gen)


def slot_violation(g, t, first):
    rng = g.rng
    r = rng.random()
    if r < 0.2:
        key = claim_random(g, 17, AV_EDGE, lambda: rng.choice((3479, 3480, 3481)), lambda: rand_o365_v4(g),
                           lambda: 3478)
        gen = sess_stun_probe(g, t, AV_EDGE, key[2], key[3], 3478)
    elif r < 0.35:
        cport = g.eph_port(ACCESS_EDGE, 6, O365_SIPFED, 5060)
        key = (6, ACCESS_EDGE, cport, O365_SIPFED, 5060)
        gen = sess_sip_plaintext(g, t, cport)
    elif r < 0.5:
        key = claim_random(g, 17, AV_EDGE, lambda: 3478, lambda: "52.120.%d.%d" % (rng.randrange(256),
                                                                                   1 + rng.randrange(254)),
                           lambda: 3478)
        gen = sess_stun_probe(g, t, AV_EDGE, 3478, key[3], 3478, rtt=25000)
    elif r < 0.7:
        dst = rand_o365_v4(g)
        cport = g.eph_port(ACCESS_EDGE, 6, dst, 5061)
        key = (6, ACCESS_EDGE, cport, dst, 5061)
        gen = sess_tcp_rejected(g, t, ACCESS_EDGE, cport, dst, 5061)
    elif r < 0.85:
        dst = rand_o365_v4(g)
        cport = g.eph_port(ACCESS_EDGE, 6, dst, 5061)
        key = (6, ACCESS_EDGE, cport, dst, 5061)
        gen = sess_tcp_unanswered(g, t, ACCESS_EDGE, cport, dst, 5061, retries=rng.choice((2, 3)))
    else:
        key = claim_random(g, 17, AV_EDGE, lambda: 3478, lambda: rand_o365_v4(g), lambda: 3478)
        gen = sess_stun_probe(g, t, AV_EDGE, 3478, key[3], 3478, answered=False)
    t = yield from gen
    g.release(key)
    return t


def slot_webconf(g, t, first):
    rng = g.rng
    key = claim_random(g, 6, rand_client(g), lambda: 49152 + rng.randrange(16384), lambda: WEBCONF_EDGE,
                       lambda: 443)
    t = yield from sess_webconf_tls13(g, t, key[1], key[2], app=1 + rng.randrange(20),
                                      rtt=20000 + rng.randrange(80000))
    g.release(key)
    return t


# kind -> (factory, slots per million packets, minimum slots, idle gap between sessions (us), start spread (us))
POOLS = (
    ("rtp", slot_rtp_remote, 62, 2, (500_000, 5_000_000), 2_000_000),
    ("relay-udp", slot_relay_udp, 18, 1, (500_000, 5_000_000), 4_000_000),
    ("turn-udp", slot_turn_client, 5000, 20, (1_000_000, 20_000_000), 20_000_000),
    ("mtls", slot_mtls, 900, 4, (200_000, 5_000_000), 30_000_000),
    ("msturn-tcp", slot_msturn_tcp, 6, 1, (1_000_000, 10_000_000), 10_000_000),
    ("dns", slot_dns, 40, 1, (200_000, 3_000_000), 2_000_000),
    ("violation", slot_violation, 10, 1, (1_000_000, 10_000_000), 5_000_000),
    ("webconf", slot_webconf, 12, 1, (1_000_000, 10_000_000), 10_000_000),
)


def slot_chain(g, factory, t, gap):
    first = True
    rng = g.rng
    while True:
        t = yield from factory(g, t, first)
        first = False
        t += gap[0] + int(rng.random() * (gap[1] - gap[0]))


def run_large(g, n_packets, writer, stats):
    rng = g.rng
    heap = []
    counter = 0
    for kind, factory, per_million, minimum, gap, spread in POOLS:
        slots = max(minimum, n_packets * per_million // 1_000_000)
        for _ in range(slots):
            gen = slot_chain(g, factory, int(rng.random() * spread), gap)
            t, f = next(gen)
            heap.append((t, counter, f, gen, kind))
            counter += 1
    heapq.heapify(heap)
    written = 0
    write = writer.write
    counts = {}
    base = CAPTURE_START_US
    if stats:
        for kind, *_ in POOLS:
            counts[kind] = 0
    while written < n_packets:
        t, _, f, gen, kind = heap[0]
        write(base + t, f)
        written += 1
        if stats:
            counts[kind] += 1
        nt, nf = next(gen)
        counter += 1
        heapq.heapreplace(heap, (nt, counter, nf, gen, kind))
    if stats:
        print("slots: %d concurrent session chains, %d 5-tuples active at the end" % (len(heap), len(g.active)),
              file=sys.stderr)
        for k, v in counts.items():
            print("  %-11s %9d packets  %5.1f %%" % (k, v, 100.0 * v / max(1, written)), file=sys.stderr)
        print("  duration %.1f s" % ((t) / 1e6), file=sys.stderr)


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------


class PcapWriter:
    """Classic libpcap, microsecond timestamps, LINKTYPE_ETHERNET."""

    def __init__(self, fh):
        self.fh = fh
        self.buf = []
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.rec = struct.Struct("<IIII").pack

    def write(self, ts_us, frame):
        n = len(frame)
        sec, usec = divmod(ts_us, 1_000_000)
        buf = self.buf
        buf.append(self.rec(sec, usec, n, n) + frame)
        if len(buf) >= 4096:
            self.fh.write(b"".join(buf))
            buf.clear()

    def close(self):
        self.fh.write(b"".join(self.buf))
        self.buf.clear()


class PcapngWriter:
    """pcapng: one SHB, one IDB (Ethernet, if_tsresol=9 -> nanoseconds), EPBs."""

    def __init__(self, fh):
        self.fh = fh
        self.buf = []
        shb_opts = self._opt(4, b"edgeflow gen_edge_capture.py") + self._opt(0, b"")
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts
        fh.write(self._block(0x0A0D0D0A, shb_body))
        idb_opts = self._opt(2, b"edge-ext0") + self._opt(9, b"\x09") + self._opt(0, b"")
        fh.write(self._block(1, struct.pack("<HHI", 1, 0, 65535) + idb_opts))
        self.epb = struct.Struct("<IIIIIII").pack

    @staticmethod
    def _opt(code, val):
        return struct.pack("<HH", code, len(val)) + val + b"\0" * (-len(val) % 4)

    @staticmethod
    def _block(btype, body):
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    def write(self, ts_us, frame):
        n = len(frame)
        pad = -n % 4
        total = 32 + n + pad
        ts = ts_us * 1000
        self.buf.append(self.epb(6, total, 0, ts >> 32, ts & 0xFFFFFFFF, n, n))
        self.buf.append(frame + b"\0" * pad + struct.pack("<I", total) if pad else frame + struct.pack("<I", total))
        if len(self.buf) >= 8192:
            self.fh.write(b"".join(self.buf))
            self.buf.clear()

    def close(self):
        self.fh.write(b"".join(self.buf))
        self.buf.clear()


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def dump_certs(d):
    os.makedirs(d, exist_ok=True)
    for name, der in (("root", ROOT_DER), ("cloud-ca", CLOUD_CA_DER), ("public-ca", PUBLIC_CA_DER),
                      ("sipfed", SIPFED_DER), ("contoso", CONTOSO_DER), ("contoso-expired", CONTOSO_EXPIRED_DER),
                      ("fabrikam", FABRIKAM_DER)):
        b64 = base64.b64encode(der).decode()
        pem = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(
            b64[i:i + 64] for i in range(0, len(b64), 64))
        with open(os.path.join(d, name + ".pem"), "w") as fh:
            fh.write(pem)
        print("%-16s sha256=%s" % (name, hashlib.sha256(der).hexdigest()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="output file")
    ap.add_argument("--packets", type=int, default=100000, help="exact packet count (large mode)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--format", choices=("pcap", "pcapng"), default=None,
                    help="default: from the file extension, else pcap")
    ap.add_argument("--sample", action="store_true", help="write the small bundled sample")
    ap.add_argument("--stats", action="store_true", help="print the traffic mix to stderr (large mode)")
    ap.add_argument("--dump-certs", metavar="DIR", help="write the embedded certificates as PEM and exit")
    a = ap.parse_args(argv)
    if a.dump_certs:
        dump_certs(a.dump_certs)
        return 0
    if not a.out:
        ap.error("--out is required")
    if a.packets < 0:
        ap.error("--packets must be >= 0")
    fmt = a.format or ("pcapng" if a.out.endswith(".pcapng") else "pcap")
    g = Ctx(a.seed)
    with open(a.out, "wb") as fh:
        w = PcapngWriter(fh) if fmt == "pcapng" else PcapWriter(fh)
        if a.sample:
            for ts, f in run_sample(g):
                w.write(ts, f)
        else:
            run_large(g, a.packets, w, a.stats)
        w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
