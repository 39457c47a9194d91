"""Helpers shared by the capture generators in this folder."""

import struct


def checksum(data):
    """The Internet checksum (RFC 1071) of `data`, as IPv4, UDP and TCP headers carry it."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
