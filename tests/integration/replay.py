#!/usr/bin/python3
"""Sends raw frames (files of a directory, in name order) out of an interface, as they are."""
import os
import sys

from scapy.all import conf  # noqa: E402


def main():
    iface, directory = sys.argv[1], sys.argv[2]
    sock = conf.L2socket(iface=iface)
    sent = skipped = 0
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            frame = f.read()
        try:
            sock.send(frame)
            sent += 1
        except OSError:    # a frame the link refuses (shorter than its header): skipped
            skipped += 1
    sock.close()
    print(f"sent {sent} frames, {skipped} refused by the link")


if __name__ == "__main__":
    main()
