#!/usr/bin/python3
"""newswire-gateway under many Server-Sent Events clients.

Starts newswired and newswire-gateway on free loopback ports, opens CLIENTS
SSE connections (/v1/stream, the whole wire), then publishes REVISIONS
revisions with the newswire CLI and waits until every client has every one.
Prints the gateway's RSS and threads idle with all clients connected and
after the burst, its CPU time, and the delivered events per second (events
received by all clients / time from the first publish to the last receipt).

Usage: bench/gateway_bench.py [--build build] [--clients 1000] [--revisions 500] [--quick]
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def start(argv, log):
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()
    if not line.startswith("ready "):
        raise RuntimeError("%s did not start: %r" % (argv[0], line))
    return process, line.split()[1]


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read().rsplit(")", 1)[1].split()
    cpu_s = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"]), cpu_s


async def client(port, counts, index, connected, total, done):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /v1/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    connected.append(index)
    while counts[index] < total:
        data = await reader.read(1 << 16)
        if not data:
            break
        counts[index] += data.count(b"\nevent: revision\n")
    done.append(time.monotonic())
    writer.close()


async def run(args, port, hub, gateway_pid, articles_dir):
    counts = [0] * args.clients
    connected, done = [], []
    tasks = [asyncio.create_task(client(port, counts, i, connected, args.revisions, done))
             for i in range(args.clients)]
    deadline = time.monotonic() + 60
    while len(connected) < args.clients and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # Let the gateway settle.
    idle = proc_status(gateway_pid)
    files = sorted(os.path.join(articles_dir, f) for f in os.listdir(articles_dir))
    start_t = time.monotonic()
    publisher = await asyncio.create_subprocess_exec(
        os.path.join(args.build, "cli/newswire"), "publish", "--hub", hub, *files,
        stdout=asyncio.subprocess.DEVNULL)
    peak_rss = idle[0]
    while len(done) < args.clients and time.monotonic() < start_t + 300:
        await asyncio.sleep(0.1)
        peak_rss = max(peak_rss, proc_status(gateway_pid)[0])
    await publisher.wait()
    elapsed = max(done) - start_t if done else float("nan")
    after = proc_status(gateway_pid)
    for task in tasks:
        task.cancel()
    received = sum(counts)
    return {
        "clients": args.clients, "connected": len(connected), "revisions": args.revisions,
        "events_received": received, "complete_clients": len(done),
        "elapsed_s": round(elapsed, 3), "delivered_events_per_s": round(received / elapsed),
        "gateway_rss_idle_mib": round(idle[0], 1), "gateway_rss_peak_mib": round(peak_rss, 1),
        "gateway_threads": idle[1],
        "gateway_cpu_s_during_burst": round(after[2] - idle[2], 2),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="50 clients, 20 revisions")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.revisions = 50, 20
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = tempfile.mkdtemp(prefix="newswire-gateway-bench-")
    log = open(os.path.join(work, "servers.log"), "w")
    articles = os.path.join(work, "articles")
    os.makedirs(articles)
    with open("examples/tokyo-talks/v2.json") as f:
        story = json.load(f)
    for i in range(args.revisions):  # 50 stories, each revised in turn.
        story = dict(story, id="bench-%d" % (i % 50), headline="Bench revision %d" % i)
        with open(os.path.join(articles, "%06d.json" % i), "w") as f:
            json.dump(story, f)
    processes = []
    try:
        daemon, hub = start([os.path.join(args.build, "daemon/newswired"), "--listen",
                             "tcp://127.0.0.1:0", "--data-dir", os.path.join(work, "store"),
                             "--metrics-listen", "", "--durability", "async"], log)
        processes.append(daemon)
        gateway, url = start([os.path.join(args.build, "gateway/newswire-gateway"), "--hub", hub,
                              "--listen", "127.0.0.1:0"], log)
        processes.append(gateway)
        port = int(url.rsplit(":", 1)[1])
        result = asyncio.run(run(args, port, hub, gateway.pid, articles))
        print(json.dumps(result, indent=2))
        ok = result["complete_clients"] == args.clients
        return 0 if ok else 1
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
