/* l2: the link's own control traffic, as the L2 attack detectors read it -
 * ARP (RFC 826, Ethernet/IPv4 only), DHCPv4 (RFC 2131/2132: BOOTP header,
 * message type, server identifier, requested address) and ICMPv6 neighbour
 * discovery (RFC 4861: RS, RA with its prefixes, NS, NA, redirect, and
 * their link-layer address options).
 *
 * Each parser reads only within [p, p + len), allocates nothing and fills
 * the caller's struct; -1 when the message is not what it says or is cut
 * before its fixed part (options cut short are read as far as they go).
 */
#ifndef VIGIA_L2_H
#define VIGIA_L2_H

#include <stdint.h>

#define ARP_REQUEST 1
#define ARP_REPLY 2

struct l2_arp {
	uint16_t op;
	uint8_t sha[6], spa[4];          /* sender's MAC and IPv4 address */
	uint8_t tha[6], tpa[4];          /* target's */
};

/* p: the ARP packet (after the ethertype). */
int l2_arp_parse(const uint8_t *p, uint32_t len, struct l2_arp *a);

enum dhcp_msg {
	DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK,
	DHCP_NAK, DHCP_RELEASE, DHCP_INFORM
};

struct l2_dhcp {
	uint8_t op;                      /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t msg;                     /* enum dhcp_msg, 0 plain BOOTP */
	uint8_t chaddr[6];               /* the client's MAC (htype 1) */
	uint32_t xid;
	uint8_t yiaddr[4];               /* the address offered */
	uint8_t server_id[4];            /* option 54, else zero */
	uint8_t has_server_id;
	uint8_t requested[4];            /* option 50, else zero */
};

/* p: the UDP payload (BOOTP header). */
int l2_dhcp_parse(const uint8_t *p, uint32_t len, struct l2_dhcp *d);

enum { ND_RS = 133, ND_RA = 134, ND_NS = 135, ND_NA = 136, ND_REDIRECT = 137 };
/* NA flags (RFC 4861 4.4) */
#define ND_NA_ROUTER 0x80
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE 0x20

struct l2_nd {
	uint8_t type;                    /* ND_RS .. ND_REDIRECT */
	uint8_t flags;                   /* NA: R S O; RA: M O (byte 5) */
	uint16_t router_lifetime;        /* RA, seconds: 0 is "not a router" */
	uint8_t target[16];              /* NS/NA target, redirect target */
	uint8_t has_target;
	uint8_t lladdr[6];               /* source (RS, RA, NS) or target (NA)
					  * link-layer address option */
	uint8_t has_lladdr;
	uint8_t prefix[16];              /* RA: first prefix information */
	uint8_t prefix_len, has_prefix;
	uint8_t prefixes;                /* RA: prefix information options */
};

/* p: the ICMPv6 message from its type octet. */
int l2_nd_parse(const uint8_t *p, uint32_t len, struct l2_nd *n);

#endif
