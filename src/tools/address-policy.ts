import { BlockList, isIP } from 'node:net';

/**
 * Which addresses outbound tool requests may reach. Loopback, private, link-local (the cloud metadata
 * address included), Azure's WireServer 168.63.129.16, CGNAT, multicast, reserved, IPv4-compatible and IPv4-mapped IPv6, local-use NAT64, Teredo,
 * site-local, and IPv6 forms that embed a refused IPv4 address (NAT64, 6to4) are refused unless the operator's allowlist (FLOWRUN_SSRF_ALLOWLIST: addresses and CIDR ranges) names them.
 */
export interface AddressPolicy {
  /** null when allowed, else why not. */
  check(address: string): string | null;
}

const blockedV4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / metadata'],
  // Cloud metadata outside the ranges above: Azure's WireServer (host agent, and the key to a VM's extensions).
  // Alibaba's 100.100.100.200 is in carrier-grade NAT, AWS's fd00:ec2::254 in unique local, below.
  ['168.63.129.16', 32, 'cloud metadata (Azure WireServer)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const blockedV6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  // Forms that carry an IPv4 address or reach a local network in ways the embedded-address check cannot see:
  // IPv4-compatible and IPv4-mapped (refused whatever they embed), local-use NAT64, Teredo, deprecated site-local.
  // (IPv4-compatible ::/96 and IPv4-mapped ::ffff:0:0/96 are matched by words below: Node's BlockList would
  // match every IPv4 address against them.)
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['2001::', 32, 'Teredo'],
  ['fec0::', 10, 'site-local'],
];

export function createAddressPolicy(allowlist: string[]): AddressPolicy {
  const allowed = new BlockList();
  for (const entry of allowlist.map((item) => item.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(address!)) throw new Error(`FLOWRUN_SSRF_ALLOWLIST: '${entry}' is not an IP address or CIDR range`);
    if (prefix !== undefined) allowed.addSubnet(address!, Number(prefix), family);
    else allowed.addAddress(address!, family);
  }
  const blocked = new BlockList();
  const reasons: Array<{ list: BlockList; reason: string }> = [];
  for (const [address, prefix, reason] of blockedV4) {
    const list = new BlockList();
    list.addSubnet(address, prefix, 'ipv4');
    blocked.addSubnet(address, prefix, 'ipv4');
    reasons.push({ list, reason });
  }
  for (const [address, prefix, reason] of blockedV6) {
    const list = new BlockList();
    list.addSubnet(address, prefix, 'ipv6');
    blocked.addSubnet(address, prefix, 'ipv6');
    reasons.push({ list, reason });
  }
  const checkOne = (address: string): string | null => {
    const family = isIP(address);
    if (family === 0) return `'${address}' is not an IP address`;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (allowed.check(address, type)) return null;
    if (type === 'ipv6') {
      const words = ipv6Words(address.toLowerCase());
      if (
        words &&
        words.slice(0, 5).every((word) => word === 0) &&
        (words[5] === 0xffff || (words[5] === 0 && (words[6]! > 0 || words[7]! > 1)))
      ) {
        return `${address} is an ${words[5] === 0xffff ? 'IPv4-mapped' : 'IPv4-compatible'} address`;
      }
    }
    if (type === 'ipv6' && blocked.check(address, type)) {
      return `${address} is a ${reasons.find((entry) => entry.list.check(address, type))?.reason ?? 'blocked'} address`;
    }
    if (type === 'ipv6') {
      const embedded = embeddedIpv4(address);
      if (embedded) {
        const inner = checkOne(embedded);
        return inner ? `${address} embeds ${embedded}: ${inner}` : null;
      }
    }
    if (!blocked.check(address, type)) return null;
    const reason = reasons.find((entry) => entry.list.check(address, type))?.reason ?? 'blocked';
    return `${address} is a ${reason} address`;
  };
  return { check: checkOne };
}

/** The IPv4 address inside IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const words = expandIpv6(lower);
  if (!words) return null;
  const toV4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const isMapped = words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff;
  const isNat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0);
  if (isMapped || isNat64) return toV4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return toV4(words[1]!, words[2]!);
  return null;
}

/** The eight 16-bit words of an IPv6 address, a dotted IPv4 tail included. */
function ipv6Words(address: string): number[] | null {
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!dotted) return expandIpv6(address);
  const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
  return expandIpv6(`${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
}

function expandIpv6(address: string): number[] | null {
  const [head, tail] = address.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const start = parse(head);
  const end = parse(tail);
  if (address.includes('.')) return null;
  const fill = address.includes('::') ? new Array(8 - start.length - end.length).fill(0) : [];
  const words = [...start, ...fill, ...end];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : null;
}
