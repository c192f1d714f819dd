#!/usr/bin/python3
"""A live RTSP camera for tests and benchmarks, from Debian packages only (GStreamer's RTSP server).

It re-serves the RTP/H.264 that a feeder sends to a UDP port on this machine, e.g.

    ffmpeg -re -stream_loop -1 -i clip.ts -c copy -f rtp rtp://127.0.0.1:5004

    /usr/bin/python3 scripts/rtsp-server.py --port 8554 --udp-port 5004 --mount /cam \
        [--user U --password P]

and clients read rtsp://127.0.0.1:8554/cam (rtsp://U:P@… when credentials are set). Killing or
stopping this process is how the tests break the "camera"; the feeder can keep running. Debian's
python3-gi lives in /usr/bin/python3, not in a pyenv or venv interpreter.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8554)
    p.add_argument("--udp-port", type=int, default=5004, help="where the feeder sends RTP/H.264")
    p.add_argument("--mount", default="/cam")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    caps = "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96"
    factory.set_launch(
        f"( udpsrc port={a.udp_port} caps=\"{caps}\" buffer-size=2000000 ! rtph264depay ! "
        "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    # one pipeline shared by every client (the UDP port can be bound once)
    factory.set_shared(True)
    if a.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password or ""), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(a.mount, factory)
    if server.attach(None) == 0:
        print(f"rtsp-server: cannot listen on 127.0.0.1:{a.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"rtsp-server: rtsp://127.0.0.1:{a.port}{a.mount} (RTP in on udp {a.udp_port})", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
