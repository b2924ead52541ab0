#include "gtpu.h"
#include "wire.h"

int gtpu_header(const uint8_t *p, uint32_t len, struct gtpu_hdr *h)
{
	if (len < 8)
		return GTPU_SHORT;
	/* version 1, protocol type GTP: anything else is not GTP-U */
	if ((p[0] >> 5) != 1 || !(p[0] & 0x10))
		return GTPU_NOT;
	h->msg = p[1];
	h->flags = p[0] & 0x07;
	h->len = rd16(p + 2) + 8u;
	h->teid = rd32(p + 4);
	h->off = 8;
	h->seq = 0;
	h->npdu = 0;
	h->exts = 0;
	h->qfi = -1;
	h->rqi = 0;
	h->ppi = -1;
	return GTPU_OK;
}

int gtpu_options(const uint8_t *p, uint32_t len, struct gtpu_hdr *h)
{
	if (!h->flags)
		return GTPU_OK;
	if (len < 12)
		return GTPU_SHORT;
	uint8_t next = (h->flags & 0x04) ? p[11] : 0;
	int qfi = -1, rqi = 0, ppi = -1;

	h->off = 12;
	h->seq = (h->flags & 0x02) ? rd16(p + 8) : 0;
	h->npdu = (h->flags & 0x01) ? p[10] : 0;
	while (next) {
		uint32_t off = h->off;
		if (len < off + 1)
			return GTPU_BAD_EXT;
		uint32_t elen = p[off] * 4u;
		if (elen == 0 || len < off + elen)
			return GTPU_BAD_EXT;
		/* PDU session container: PDU type in the 1st content octet;
		 * QFI in the 2nd, with (downlink) PPP and RQI above it, and
		 * the PPI in the 3rd when PPP is set */
		if (next == 0x85 && elen >= 4) {
			qfi = p[off + 2] & 0x3f;
			if ((p[off + 1] >> 4) == 0) {
				rqi = (p[off + 2] >> 6) & 1;
				if ((p[off + 2] & 0x80) && elen >= 8)
					ppi = p[off + 3] >> 5;
			}
		}
		next = p[off + elen - 1];
		h->off = off + elen;
		h->exts++;
	}
	h->qfi = qfi;
	h->rqi = rqi;
	h->ppi = ppi;
	return GTPU_OK;
}
