/* ics: Modbus/TCP (TCP 502) and DNP3 (TCP 20000), the two protocols of the
 * city's water SCADA, read far enough to tell reads from writes and
 * controls. A worker runs them on every TCP segment payload of those flows:
 * no allocation, no state beyond the caller's arrays, reads only within
 * [p, p + len); one segment may hold several ADUs / frames, and the last may
 * be cut by the segment's end (reported `truncated`, not an error: TCP may
 * split a message anywhere, and the parser keeps no state to join it).
 *
 * What counts as a write or a control, and why
 * --------------------------------------------
 * A write changes a value the process uses (a set point, a coil, an
 * outstation's configuration); a control makes the device act (operate an
 * output, restart, stop a program, freeze counters). Reads and responses to
 * them are the normal polling of a SCADA master; writes and controls are
 * what an operator does rarely and an attacker needs.
 *
 * Modbus (Modbus Application Protocol Specification V1.1b3, "MB", and
 * Modbus Messaging on TCP/IP Implementation Guide V1.0b, "MBT"):
 *   READ     1, 2, 3, 4 (MB §6.1-6.4), 7, 11, 12 (§6.7, 6.9, 6.10: serial
 *            line status), 17 REPORT_SERVER_ID (§6.13), 20 READ_FILE_RECORD
 *            (§6.14), 24 READ_FIFO_QUEUE (§6.18), 43/14 READ_DEVICE_ID (§6.21).
 *   WRITE    5, 6, 15, 16 (§6.5, 6.6, 6.11, 6.12), 22 MASK_WRITE_REGISTER
 *            (§6.16), 23 READ_WRITE_MULTIPLE_REGISTERS (§6.17: it reads too,
 *            but it writes, which is what matters), and also 21
 *            WRITE_FILE_RECORD (§6.15): it writes the device's extended
 *            register memory; the list (5, 6, 15, 16, 22, 23) names
 *            the coil/register writes, 21 is the same kind of change.
 *   CONTROL  8 DIAGNOSTICS (§6.8): sub-functions 1 (restart communications)
 *            and 4 (force listen only mode: the device stops answering
 *            until restarted) are classic denial-of-service commands and 10
 *            clears the counters an operator watches; the sub-function is
 *            reported so a detector may spare 0 (echo). 43/13 CANopen
 *            general reference (§6.20): it tunnels any CANopen request
 *            (SDO writes and NMT start/stop among them) that we do not
 *            read. 90: reserved in MB Annex A, used by Schneider Electric's
 *            UMAS to program, start and stop Modicon PLCs; a poller never
 *            sends it.
 *   OTHER    user-defined 65-72 and 100-110 (MB §5: each vendor's own, not
 *            an anomaly); any other code, and the other MEI types of 43,
 *            with MODBUS_ANOM_FUNCTION.
 *   A response has its request's class (a response to a write is a write),
 *   an exception response too: "write refused" is evidence.
 *
 * DNP3 (IEEE 1815-2012: clause 9 data link layer, clause 8 transport
 * function, clause 4.2.2 application header, function codes and IIN):
 *   READ     1 READ, 28 GET_FILE_INFO.
 *   WRITE    2 WRITE; 19 SAVE_CONFIG; 20, 21 ENABLE/DISABLE_UNSOLICITED and
 *            22 ASSIGN_CLASS (they change what the outstation reports and
 *            when: disabling unsolicited responses hides events from the
 *            master); 27 DELETE_FILE.
 *   CONTROL  3 SELECT, 4 OPERATE, 5 DIRECT_OPERATE, 6 DIRECT_OPERATE_NR
 *            (outputs); 7-12 the freezes (IMMED_FREEZE, FREEZE_CLEAR,
 *            FREEZE_AT_TIME and their _NR forms: they overwrite frozen
 *            counters, the clears zero the running ones); 13 COLD_RESTART,
 *            14 WARM_RESTART; 15 INITIALIZE_DATA; 16, 17, 18 INITIALIZE /
 *            START / STOP_APPL; 31 ACTIVATE_CONFIG.
 *   OTHER    0 CONFIRM; 23 DELAY_MEASURE and 24 RECORD_CURRENT_TIME (time
 *            synchronisation: 24 only makes the outstation note when the
 *            message arrived, the clock is set by the WRITE of g50 that
 *            follows, which is a write); 25, 26, 29, 30 file open / close /
 *            authenticate / abort (the data moves in READ/WRITE of g70);
 *            32, 33 secure authentication.
 *   RESPONSE 129 RESPONSE, 130 UNSOLICITED_RESPONSE, 131 AUTHENTICATE_RESP:
 *            what a DNP3 response answers is not in its bytes.
 *   Any other code: ICS_OTHER with DNP3_ANOM_FUNCTION.
 *
 * The tables below are the one source of the codes, their names and their
 * classes; ics.c builds its lookup tables from them.
 */
#ifndef VIGIA_ICS_H
#define VIGIA_ICS_H

#include <stddef.h>
#include <stdint.h>

#define MODBUS_PORT 502
#define DNP3_PORT 20000

enum ics_class {
	ICS_OTHER = 0,
	ICS_READ,
	ICS_WRITE,
	ICS_CONTROL,
	ICS_RESPONSE,                    /* DNP3 only, see above */
};

/* "other", "read", "write", "control", "response"; "?" out of range */
const char *ics_class_name(unsigned cls);

/* --- Modbus/TCP ------------------------------------------------------ */

/* X(code, NAME, class): the public function codes (MB §5.1) and 90 */
#define MODBUS_FUNCTIONS(X)                                    \
	X(1, READ_COILS, ICS_READ)                             \
	X(2, READ_DISCRETE_INPUTS, ICS_READ)                   \
	X(3, READ_HOLDING_REGISTERS, ICS_READ)                 \
	X(4, READ_INPUT_REGISTERS, ICS_READ)                   \
	X(5, WRITE_SINGLE_COIL, ICS_WRITE)                     \
	X(6, WRITE_SINGLE_REGISTER, ICS_WRITE)                 \
	X(7, READ_EXCEPTION_STATUS, ICS_READ)                  \
	X(8, DIAGNOSTICS, ICS_CONTROL)                         \
	X(11, GET_COMM_EVENT_COUNTER, ICS_READ)                \
	X(12, GET_COMM_EVENT_LOG, ICS_READ)                    \
	X(15, WRITE_MULTIPLE_COILS, ICS_WRITE)                 \
	X(16, WRITE_MULTIPLE_REGISTERS, ICS_WRITE)             \
	X(17, REPORT_SERVER_ID, ICS_READ)                      \
	X(20, READ_FILE_RECORD, ICS_READ)                      \
	X(21, WRITE_FILE_RECORD, ICS_WRITE)                    \
	X(22, MASK_WRITE_REGISTER, ICS_WRITE)                  \
	X(23, READ_WRITE_MULTIPLE_REGISTERS, ICS_WRITE)        \
	X(24, READ_FIFO_QUEUE, ICS_READ)                       \
	X(43, ENCAPSULATED_INTERFACE_TRANSPORT, ICS_OTHER)     \
	X(90, UMAS, ICS_CONTROL)

enum modbus_function {
#define MODBUS_FC_ENUM(code, name, cls) MODBUS_FC_##name = code,
	MODBUS_FUNCTIONS(MODBUS_FC_ENUM)
#undef MODBUS_FC_ENUM
};

/* MEI types of function 43 (MB §6.19) */
#define MODBUS_MEI_CANOPEN 13            /* ICS_CONTROL */
#define MODBUS_MEI_READ_DEVICE_ID 14     /* ICS_READ */

/* The name for alert evidence, e.g. "WRITE_SINGLE_REGISTER"; the exception
 * bit (0x80) is ignored; "USER_DEFINED" for 65-72 and 100-110, "UNKNOWN"
 * for the rest. Never NULL. */
const char *modbus_function_name(unsigned fc);

enum modbus_anomaly {
	/* the PDU is not the size its function needs: a fixed-size PDU of
	 * another size, or shorter than the function's fixed fields */
	MODBUS_ANOM_LENGTH = 1 << 0,
	/* a byte count disagrees with its quantity (15, 16, 23 requests: the
	 * bits or registers it says follow) or with the bytes that follow it,
	 * or is one the function cannot have (odd for registers, 0, above
	 * 250) */
	MODBUS_ANOM_BYTE_COUNT = 1 << 1,
	/* a function code that is neither public, nor user-defined, nor 90;
	 * the exception bit on a request; an unknown MEI type (43) or a
	 * reserved diagnostics sub-function (8) */
	MODBUS_ANOM_FUNCTION = 1 << 2,
	/* a quantity out of the function's range (read coils / discrete
	 * inputs 1..2000, read registers 1..125, write coils 1..1968, write
	 * registers 1..123, 23: read 1..125 and write 1..121, FIFO count
	 * above 31), or a range running past address 65535 */
	MODBUS_ANOM_QUANTITY = 1 << 3,
	/* a value the function forbids: a coil written with other than 0x0000
	 * or 0xFF00, an exception code outside 1..11, a read device id code
	 * outside 1..4 */
	MODBUS_ANOM_VALUE = 1 << 4,
	/* an ADU after the first whose MBAP header is not Modbus (protocol id
	 * not 0, length outside 2..254): the segment's bytes from there are not
	 * framed, this entry is the last */
	MODBUS_ANOM_HEADER = 1 << 5,
};

struct modbus_range {
	uint16_t start, qty;             /* qty as sent, even out of range */
};

/* One ADU. Fields the bytes did not hold (the function has no such field,
 * or the segment ends first) are 0. */
struct modbus_msg {
	uint32_t off;                    /* where the ADU starts in the segment */
	uint16_t tid;                    /* MBAP transaction id */
	uint16_t len;                    /* MBAP length: unit id + PDU */
	uint8_t unit;
	uint8_t fc;                      /* function code, exception bit cleared */
	uint8_t is_exception;            /* the function code had 0x80 */
	uint8_t exc_code;                /* in an exception response */
	uint8_t cls;                     /* enum ics_class */
	uint8_t truncated;               /* the segment ends inside this ADU */
	/* the addresses read and written: 1-4 rd; 5, 6, 22 wr (one address);
	 * 15, 16 wr; 23 rd and wr; 24 rd (the FIFO pointer, one address).
	 * Responses carry them for 5, 6, 15, 16, 22 (echoes) only. */
	uint8_t has_rd, has_wr;
	struct modbus_range rd, wr;
	uint16_t sub;                    /* 8: sub-function; 43: MEI type */
	uint16_t value;                  /* 5, 6: value written; 8: first data
	                                  * word */
	uint16_t and_mask, or_mask;      /* 22 */
	uint16_t anomalies;              /* enum modbus_anomaly bits */
};

/* Reads the ADUs of one TCP segment payload of a Modbus/TCP flow into
 * out[0..max), *n of them. to_server: 1 when the segment goes to port 502
 * (requests), 0 from it (responses): the bytes alone cannot tell.
 * Returns 0 when the first ADU has a valid MBAP header (7 octets, protocol
 * id 0, length 2..254): *n is then at least 1 (when max > 0) and the last
 * entry may be truncated or MODBUS_ANOM_HEADER; more ADUs than max are not
 * looked at. Returns -1, *n = 0, when the segment is not Modbus/TCP or
 * shorter than one MBAP header, or p, n, or (max > 0) out is NULL. */
int modbus_parse(const uint8_t *p, size_t len, int to_server, struct modbus_msg *out,
		 unsigned max, unsigned *n);

/* --- DNP3 ------------------------------------------------------------ */

/* X(code, NAME, class): the application function codes (IEEE 1815-2012
 * clause 4.2.2) */
#define DNP3_FUNCTIONS(X)                                      \
	X(0, CONFIRM, ICS_OTHER)                               \
	X(1, READ, ICS_READ)                                   \
	X(2, WRITE, ICS_WRITE)                                 \
	X(3, SELECT, ICS_CONTROL)                              \
	X(4, OPERATE, ICS_CONTROL)                             \
	X(5, DIRECT_OPERATE, ICS_CONTROL)                      \
	X(6, DIRECT_OPERATE_NR, ICS_CONTROL)                   \
	X(7, IMMED_FREEZE, ICS_CONTROL)                        \
	X(8, IMMED_FREEZE_NR, ICS_CONTROL)                     \
	X(9, FREEZE_CLEAR, ICS_CONTROL)                        \
	X(10, FREEZE_CLEAR_NR, ICS_CONTROL)                    \
	X(11, FREEZE_AT_TIME, ICS_CONTROL)                     \
	X(12, FREEZE_AT_TIME_NR, ICS_CONTROL)                  \
	X(13, COLD_RESTART, ICS_CONTROL)                       \
	X(14, WARM_RESTART, ICS_CONTROL)                       \
	X(15, INITIALIZE_DATA, ICS_CONTROL)                    \
	X(16, INITIALIZE_APPL, ICS_CONTROL)                    \
	X(17, START_APPL, ICS_CONTROL)                         \
	X(18, STOP_APPL, ICS_CONTROL)                          \
	X(19, SAVE_CONFIG, ICS_WRITE)                          \
	X(20, ENABLE_UNSOLICITED, ICS_WRITE)                   \
	X(21, DISABLE_UNSOLICITED, ICS_WRITE)                  \
	X(22, ASSIGN_CLASS, ICS_WRITE)                         \
	X(23, DELAY_MEASURE, ICS_OTHER)                        \
	X(24, RECORD_CURRENT_TIME, ICS_OTHER)                  \
	X(25, OPEN_FILE, ICS_OTHER)                            \
	X(26, CLOSE_FILE, ICS_OTHER)                           \
	X(27, DELETE_FILE, ICS_WRITE)                          \
	X(28, GET_FILE_INFO, ICS_READ)                         \
	X(29, AUTHENTICATE_FILE, ICS_OTHER)                    \
	X(30, ABORT_FILE, ICS_OTHER)                           \
	X(31, ACTIVATE_CONFIG, ICS_CONTROL)                    \
	X(32, AUTHENTICATE_REQ, ICS_OTHER)                     \
	X(33, AUTH_REQ_NO_ACK, ICS_OTHER)                      \
	X(129, RESPONSE, ICS_RESPONSE)                         \
	X(130, UNSOLICITED_RESPONSE, ICS_RESPONSE)             \
	X(131, AUTHENTICATE_RESP, ICS_RESPONSE)

enum dnp3_function {
#define DNP3_FC_ENUM(code, name, cls) DNP3_FC_##name = code,
	DNP3_FUNCTIONS(DNP3_FC_ENUM)
#undef DNP3_FC_ENUM
};

/* "DIRECT_OPERATE", ...; "UNKNOWN" for codes not in the table. Never NULL. */
const char *dnp3_function_name(unsigned fc);

/* link layer control octet (clause 9): DIR, PRM, FCB, FCV (DFC when
 * PRM is 0), function */
enum dnp3_link_function {
	/* PRM 1, from the primary station */
	DNP3_LINK_RESET_LINK_STATES = 0,
	DNP3_LINK_TEST_LINK_STATES = 2,
	DNP3_LINK_CONFIRMED_USER_DATA = 3,
	DNP3_LINK_UNCONFIRMED_USER_DATA = 4,
	DNP3_LINK_REQUEST_LINK_STATUS = 9,
	/* PRM 0, from the secondary station */
	DNP3_LINK_ACK = 0,
	DNP3_LINK_NACK = 1,
	DNP3_LINK_LINK_STATUS = 11,
	DNP3_LINK_NOT_SUPPORTED = 15,
};

/* internal indications (clause 4.2.2), iin = IIN1 << 8 | IIN2 */
#define DNP3_IIN_ALL_STATIONS      0x0100
#define DNP3_IIN_CLASS1_EVENTS     0x0200
#define DNP3_IIN_CLASS2_EVENTS     0x0400
#define DNP3_IIN_CLASS3_EVENTS     0x0800
#define DNP3_IIN_NEED_TIME         0x1000
#define DNP3_IIN_LOCAL_CONTROL     0x2000
#define DNP3_IIN_DEVICE_TROUBLE    0x4000
#define DNP3_IIN_DEVICE_RESTART    0x8000
#define DNP3_IIN_NO_FUNC_CODE      0x0001
#define DNP3_IIN_OBJECT_UNKNOWN    0x0002
#define DNP3_IIN_PARAMETER_ERROR   0x0004
#define DNP3_IIN_EVENT_OVERFLOW    0x0008
#define DNP3_IIN_ALREADY_EXECUTING 0x0010
#define DNP3_IIN_CONFIG_CORRUPT    0x0020

enum dnp3_anomaly {
	/* the header's CRC, or a data block's, is wrong (of the blocks the
	 * segment holds whole) */
	DNP3_ANOM_CRC = 1 << 0,
	/* LEN does not fit the frame: user data (link function 3, 4) with
	 * none, other link functions with some; a first transport segment too
	 * short for the application header; a response without its IIN */
	DNP3_ANOM_LENGTH = 1 << 1,
	/* an application function code not in DNP3_FUNCTIONS */
	DNP3_ANOM_FUNCTION = 1 << 2,
	/* a link function the standard does not define for that PRM (the
	 * obsolete 1 RESET_USER_PROCESS included) */
	DNP3_ANOM_LINK = 1 << 3,
	/* a frame after the first that does not start 0x05 0x64 or whose LEN
	 * is below 5: the segment's bytes from there are not framed, this
	 * entry is the last */
	DNP3_ANOM_HEADER = 1 << 4,
};

/* One link layer frame. Fields the bytes did not hold are 0. A frame cut by
 * the segment's end (blocks missing) is `truncated`, its CRCs checked over
 * the blocks that are whole. */
struct dnp3_msg {
	uint32_t off;                    /* where the frame starts in the segment */
	uint8_t len;                     /* LEN: control, addresses, user data */
	uint8_t dir, prm, fcb, fcv;      /* fcv: DFC when prm is 0 */
	uint8_t link_fc;                 /* enum dnp3_link_function */
	uint16_t dst, src;
	uint8_t crc_ok;                  /* header and every whole block */
	uint8_t truncated;               /* the segment ends inside this frame */
	uint8_t blocks;                  /* data blocks the frame has, by LEN */
	/* transport header (clause 8), when the frame has user data */
	uint8_t has_transport;
	uint8_t tp_fir, tp_fin, tp_seq;
	/* application header: only in the first transport segment (tp_fir) of
	 * a fragment; the others continue one whose header came before */
	uint8_t has_app;
	uint8_t app_fir, app_fin, app_con, app_uns, app_seq;
	uint8_t fc;                      /* enum dnp3_function */
	uint8_t cls;                     /* enum ics_class; ICS_OTHER without app */
	uint8_t has_iin;                 /* 129, 130, 131 */
	uint16_t iin;                    /* DNP3_IIN_* bits */
	uint8_t has_obj;                 /* the first object header's */
	uint8_t group, variation;        /* e.g. WRITE g50: time; g80: IIN */
	uint16_t anomalies;              /* enum dnp3_anomaly bits */
};

/* Reads the link layer frames of one TCP segment payload of a DNP3 flow
 * into out[0..max), *n of them. Returns 0 when the first frame has a whole
 * header (10 octets) starting 0x05 0x64 with LEN at least 5, whatever its
 * CRC (a bad one is DNP3_ANOM_CRC): *n is then at least 1 (when max > 0)
 * and the last entry may be truncated or DNP3_ANOM_HEADER; more frames than
 * max are not looked at. Returns -1, *n = 0, when the segment is not DNP3
 * or shorter than one header, or p, n, or (max > 0) out is NULL. */
int dnp3_parse(const uint8_t *p, size_t len, struct dnp3_msg *out, unsigned max,
	       unsigned *n);

/* The DNP3 CRC-16 (polynomial 0x3D65, reflected, complemented, sent low
 * octet first) of l octets: what a frame carries after its header and each
 * data block. */
uint16_t dnp3_crc(const uint8_t *p, size_t l);

#endif
