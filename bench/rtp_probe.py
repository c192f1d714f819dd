"""The producer's own share of the stream latency: receives its RTP/H.264 on a UDP port (no RTSP
server, no Recognizer), decodes each picture when its last packet (RTP marker bit) arrives, reads
the wall clock the producer drew into it (bench/streams.sh's 24-bit barcode: 16x16 cells along
the top, bit i white when bit i of the wall-clock ms mod 2^24 is set) and prints p50/p99 of
arrival − drawn clock.

Usage: python rtp_probe.py UDP_PORT SECONDS     (needs PyAV: pip install av)
"""

import socket
import struct
import sys
import time

import av

START_CODE = b"\x00\x00\x00\x01"
BITS = 24
CELL = 16
WARM_UP_SECS = 3.0


def payload(packet: bytes) -> bytes:
    """The RTP payload: after the 12-byte header, the CSRCs and an extension when present."""
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        words = struct.unpack(">H", packet[offset + 2 : offset + 4])[0]
        offset += 4 + 4 * words
    return packet[offset:]


class AccessUnit:
    """RFC 6184 depacketisation into Annex B: single NAL units, STAP-A and FU-A."""

    def __init__(self) -> None:
        self.data = b""
        self.fragment = b""

    def add(self, p: bytes) -> None:
        kind = p[0] & 0x1F
        if kind < 24:
            self.data += START_CODE + p
        elif kind == 24:
            i = 1
            while i + 2 <= len(p):
                n = struct.unpack(">H", p[i : i + 2])[0]
                self.data += START_CODE + p[i + 2 : i + 2 + n]
                i += 2 + n
        elif kind == 28:
            if p[1] & 0x80:
                self.fragment = bytes([(p[0] & 0xE0) | (p[1] & 0x1F)])
            self.fragment += p[2:]
            if p[1] & 0x40:
                self.data += START_CODE + self.fragment


def drawn_clock(gray) -> int:
    code = 0
    for bit in range(BITS):
        x = bit * CELL
        if gray[4 : CELL - 4, x + 4 : x + CELL - 4].mean() > 128:
            code |= 1 << bit
    return code


def main() -> int:
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(5.0)
    decoder = av.CodecContext.create("h264", "r")
    unit, latencies, started = AccessUnit(), [], time.time()
    while time.time() - started < seconds:
        try:
            packet, _ = sock.recvfrom(65536)
        except socket.timeout:
            print(f"rtp_probe: nothing arrived on udp {port} for 5 s", file=sys.stderr)
            return 1
        arrived = time.time()
        unit.add(payload(packet))
        if not packet[1] & 0x80:
            continue
        try:
            # the whole picture as one packet: a parser would wait for the next picture's start
            frames = decoder.decode(av.Packet(unit.data))
        except av.error.InvalidDataError:
            frames = []  # joined mid-stream, before the first keyframe
        unit = AccessUnit()
        for frame in frames:
            code = drawn_clock(frame.to_ndarray(format="gray"))
            delta = (int(arrived * 1000) - code) % (1 << BITS)
            if delta < 60_000 and arrived - started > WARM_UP_SECS:
                latencies.append(delta)
    if not latencies:
        print("rtp_probe: no picture with a readable clock", file=sys.stderr)
        return 1
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, round((len(latencies) - 1) * 0.99))]
    print(f"producer alone (its RTP output): {len(latencies)} pictures, p50 {p50} ms, p99 {p99} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
