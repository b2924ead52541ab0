"""Compare vigia's flows with ndpiReader 4.2's expected output.

A flow is keyed by (L4 protocol, unordered pair of endpoints). ndpiReader
never ends a flow in a capture file, while vigia ends flows on TCP close and
idle timeouts, so several vigia records may share a key: the flow agrees
when the label of the record carrying the most packets matches.

ndpiReader quirks normalised here (documented, not hidden):
  * ports of anything but TCP and UDP are printed as 0 (SCTP included);
  * non-TCP/UDP protocols other than ICMP/ICMPV6 are printed as numbers.
"""
import ipaddress
import json
import os
import re
import subprocess
import sys

FLOW_RE = re.compile(
    r'^\t\d+\t(\S+) (\S+) (?:<->|->) (\S+) .*?\[proto: ([^\]]+)\]')
PROTO_NUM = {'TCP': '6', 'UDP': '17', 'ICMP': '1', 'ICMPV6': '58',
             'IPv6-ICMP': '58', 'SCTP': '132', 'GRE': '47', 'ESP': '50',
             'AH': '51', 'IGMP': '2', 'VRRP': '112'}
LISTS = ['-p', 'protos.txt', '-c', 'categories.txt', '-r', 'risky_domains.txt',
         '-j', 'ja3_fingerprints.csv', '-S', 'sha1_fingerprints.csv']


def canon_ip(host):
    # ndpiReader compresses IPv6 its own way ("b00c::2" for "b00c:0:2")
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def split_ep(ep):
    if ep.startswith('['):
        host, _, port = ep[1:].rpartition(']:')
    else:
        host, _, port = ep.rpartition(':')
    return canon_ip(host), int(port)


def norm_key(proto, a, b):
    p = PROTO_NUM.get(proto, proto.lstrip('0') or '0')
    if p not in ('6', '17'):
        a = (a[0], 0)
        b = (b[0], 0)
    return (p,) + tuple(sorted([a, b]))


def expected_flows(result_file):
    flows = {}
    with open(result_file, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = FLOW_RE.match(line)
            if not m:
                continue
            proto, a, b, label = m.groups()
            label = label.split('/', 1)[1] if '/' in label else label
            flows[norm_key(proto, split_ep(a), split_ep(b))] = label
    return flows


def vigia_flows(events):
    best = {}
    for ev in events:
        if ev.get('event_type') != 'flow':
            continue
        a = (canon_ip(ev['src_ip']), ev.get('src_port', 0))
        b = (canon_ip(ev['dest_ip']), ev.get('dest_port', 0))
        key = norm_key(ev['proto'], a, b)
        pk = ev['flow']['pkts_toserver'] + ev['flow']['pkts_toclient']
        label = ev.get('ndpi', {}).get('proto', 'Unknown')
        if key not in best or pk > best[key][0]:
            best[key] = (pk, label)
    return {k: v[1] for k, v in best.items()}


def run_vigia(vigia, pcap, lists_dir, extra=()):
    args = [vigia, 'replay', '-q', '-o', '-']
    for i in range(0, len(LISTS), 2):
        args += [LISTS[i], os.path.join(lists_dir, LISTS[i + 1])]
    args += list(extra) + [pcap]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=False)
    events = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    return p.returncode, events, p.stderr.decode()


def compare_corpus(vigia, corpus, extra=()):
    """Returns (total, agreed, disagreements[list of str], per_file)."""
    pdir = os.path.join(corpus, 'pcap')
    rdir = os.path.join(corpus, 'result')
    lists = os.path.join(corpus, 'lists')
    total = agreed = 0
    bad = []
    for name in sorted(os.listdir(pdir)):
        res = os.path.join(rdir, name + '.out')
        if not os.path.exists(res):
            continue
        exp = expected_flows(res)
        rc, events, err = run_vigia(vigia, os.path.join(pdir, name), lists,
                                    extra)
        got = vigia_flows(events)
        for key, label in exp.items():
            total += 1
            if got.get(key) == label:
                agreed += 1
            else:
                bad.append('%s: %s %s:%s <-> %s:%s expected %s got %s' % (
                    name, key[0], key[1][0], key[1][1], key[2][0], key[2][1],
                    label, got.get(key, '(no flow)')))
    return total, agreed, bad


if __name__ == '__main__':
    t, a, bad = compare_corpus(sys.argv[1], sys.argv[2], sys.argv[3:])
    for b in bad:
        print(b)
    print('agreement: %d/%d = %.2f%%' % (a, t, 100.0 * a / max(t, 1)))
