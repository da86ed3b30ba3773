//! Who the client is behind a reverse proxy. `X-Forwarded-For` and
//! `Forwarded` are believed only when the connection comes from a proxy
//! listed in `ONETHING_TRUSTED_PROXIES`, and then only up to the rightmost
//! hop that is not itself a trusted proxy: everything left of it was written
//! by the client and may be forged.
//!
//! A leaf: standard library only, so the rules are unit-tested here.

use std::net::IpAddr;

/// An address block, `10.0.0.0/8` or `::1/128` (a bare address is a
/// block of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0–{max}"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:192.0.2.1` is `192.0.2.1` (a dual-stack socket reports IPv4
/// peers that way).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed (none by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR blocks.
    pub fn parse(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address: `peer` (the socket's) unless `peer` is a
    /// trusted proxy, in which case the hops it forwarded are walked from
    /// the right — `Forwarded` (RFC 7239) if present, else
    /// `X-Forwarded-For`, each header line in order — and the first hop
    /// that is not a trusted proxy is the client. A hop that is not an
    /// address (`unknown`, an obfuscated name, garbage) ends the walk at
    /// the last address known: nothing left of it can be believed.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str], x_forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<Option<IpAddr>> = if forwarded.is_empty() {
            x_forwarded_for
                .iter()
                .flat_map(|line| line.split(','))
                .map(|h| parse_hop(h.trim()))
                .collect()
        } else {
            forwarded
                .iter()
                .flat_map(|line| line.split(','))
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.trim().split_once('='))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, v)| parse_hop(v.trim()))
                })
                .collect()
        };
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// One hop: `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`,
/// `2001:db8::1`.
fn parse_hop(h: &str) -> Option<IpAddr> {
    let h = h.trim_matches('"');
    if let Ok(ip) = h.parse() {
        return Some(ip);
    }
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    // IPv4 with a port (an IPv6 address without brackets has no port).
    h.rsplit_once(':')
        .filter(|(ip, _)| !ip.contains(':'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn blocks_contain_their_addresses() {
        let net = Cidr::parse("10.1.0.0/16").expect("cidr");
        assert!(net.contains(ip("10.1.255.3")) && !net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped IPv6 is IPv4");
        assert!(Cidr::parse("0.0.0.0/0").expect("all").contains(ip("203.0.113.9")));
        let v6 = Cidr::parse("2001:db8::/32").expect("cidr");
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::5")));
        assert!(!v6.contains(ip("10.1.0.1")));
        assert!(Cidr::parse("127.0.0.1").expect("one").contains(ip("127.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x", ""] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse("10.0.0.1, ,::1").is_ok());
        assert!(TrustedProxies::parse("10.0.0.1,oops").is_err());
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let t = TrustedProxies::parse("127.0.0.1,10.0.0.0/8").expect("list");
        // Not behind a trusted proxy: the headers are the client's own words.
        assert_eq!(
            t.client(ip("198.51.100.4"), &[], &["203.0.113.1"]),
            ip("198.51.100.4")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &[], &["203.0.113.1"]),
            ip("127.0.0.1"),
            "no trusted proxy configured: nothing forwarded is believed"
        );
        // nginx appended the client; a forged value on the left is ignored.
        assert_eq!(
            t.client(ip("127.0.0.1"), &[], &["1.2.3.4, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Two proxies of ours, over two header lines.
        assert_eq!(
            t.client(ip("127.0.0.1"), &[], &["1.2.3.4, 203.0.113.7", "10.0.0.5"]),
            ip("203.0.113.7")
        );
        // Everything trusted: the leftmost.
        assert_eq!(t.client(ip("127.0.0.1"), &[], &["10.0.0.7"]), ip("10.0.0.7"));
        // No header: the peer itself.
        assert_eq!(t.client(ip("127.0.0.1"), &[], &[]), ip("127.0.0.1"));
        // Garbage stops the walk at the last known address.
        assert_eq!(
            t.client(ip("127.0.0.1"), &[], &["203.0.113.7, garbage"]),
            ip("127.0.0.1")
        );
        // Ports and IPv6.
        assert_eq!(
            t.client(ip("::ffff:127.0.0.1"), &[], &["203.0.113.7:5123"]),
            ip("203.0.113.7")
        );
        assert_eq!(
            t.client(ip("127.0.0.1"), &[], &["2001:db8::7"]),
            ip("2001:db8::7")
        );
        // RFC 7239 wins over X-Forwarded-For, with quotes, brackets and ports.
        assert_eq!(
            t.client(
                ip("127.0.0.1"),
                &["for=1.2.3.4, for=\"[2001:db8::9]:443\";proto=https"],
                &["198.51.100.1"]
            ),
            ip("2001:db8::9")
        );
        assert_eq!(
            t.client(ip("127.0.0.1"), &["For=203.0.113.5;by=10.0.0.1"], &[]),
            ip("203.0.113.5")
        );
        assert_eq!(t.client(ip("127.0.0.1"), &["for=unknown"], &[]), ip("127.0.0.1"));
    }
}
