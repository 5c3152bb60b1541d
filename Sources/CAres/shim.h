// c-ares (Debian: libc-ares-dev) sends the queries; glibc's libresolv (ns_initparse, ns_parserr,
// ns_name_uncompress) reads the answers, record by record with their owner names, which c-ares 1.18's
// typed parsers do not report (a CNAME at an SRV owner would go unseen).
#include <ares.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>

// Macros of arpa/nameser.h, as functions Swift can call.
static inline int cares_shim_answer_count(const ns_msg *msg) { return ns_msg_count(*msg, ns_s_an); }
static inline const unsigned char *cares_shim_base(const ns_msg *msg) { return ns_msg_base(*msg); }
static inline const unsigned char *cares_shim_end(const ns_msg *msg) { return ns_msg_end(*msg); }
static inline const char *cares_shim_rr_name(const ns_rr *rr) { return ns_rr_name(*rr); }
static inline int cares_shim_rr_type(const ns_rr *rr) { return ns_rr_type(*rr); }
static inline int cares_shim_rr_class(const ns_rr *rr) { return ns_rr_class(*rr); }
static inline unsigned long cares_shim_rr_ttl(const ns_rr *rr) { return ns_rr_ttl(*rr); }
static inline int cares_shim_rr_rdlen(const ns_rr *rr) { return ns_rr_rdlen(*rr); }
static inline const unsigned char *cares_shim_rr_rdata(const ns_rr *rr) { return ns_rr_rdata(*rr); }
static inline int cares_shim_getsock_readable(int bits, int num) { return ARES_GETSOCK_READABLE(bits, num); }
static inline int cares_shim_getsock_writable(int bits, int num) { return ARES_GETSOCK_WRITABLE(bits, num); }
