/* Status strings, version, element sizes and the error-message builder. */
#include "selrt_core.h"

const char *selrt_status_str(selrt_status st) {
  switch (st) {
    case SELRT_OK: return "ok";
    case SELRT_ERR_INVALID_ARG: return "invalid argument";
    case SELRT_ERR_BAD_PROGRAM: return "bad program";
    case SELRT_ERR_VERSION: return "program version mismatch";
    case SELRT_ERR_MISSING_KERNEL: return "missing kernel";
    case SELRT_ERR_NO_MEMORY: return "out of memory";
    case SELRT_ERR_ARENA: return "arena too small or misaligned";
    case SELRT_ERR_UNALIGNED: return "program bytes not 16-byte aligned";
    case SELRT_ERR_UNSUPPORTED: return "kernel rejects its parameters or shapes";
    case SELRT_ERR_BACKEND: return "backend failed";
    case SELRT_ERR_NOT_FOUND: return "not found";
#ifdef SELRT_CONTROL
    case SELRT_ERR_BUDGET: return "loop iteration budget exhausted";
#else
    case SELRT_ERR_BUDGET: break; /* only control-flow kernels return it */
#endif
  }
  return "unknown status";
}

/* "<runtime version> (program format <n>)": apps log it next to crashes. */
#define SELRT_STR2(x) #x
#define SELRT_STR(x) SELRT_STR2(x)
const char *selrt_version(void) {
  return "selrt 0.1.0 (program format " SELRT_STR(SELRT_PROGRAM_VERSION) ")";
}

size_t selrt_dtype_size(int32_t dt) {
  switch (dt) {
    case SELRT_F32: case SELRT_I32: return 4;
    case SELRT_F16: case SELRT_I16: return 2;
    case SELRT_I8: case SELRT_U8: case SELRT_BOOL: return 1;
    case SELRT_I64: return 8;
  }
  return 0;
}

selrt_msg selrt_msg_begin(selrt_error *err, selrt_status st) {
  selrt_msg m;
  m.err = err;
  m.len = 0;
  if (err) {
    err->status = st;
    err->message[0] = 0;
  }
  return m;
}

void selrt_msg_sn(selrt_msg *m, const char *s, size_t n) {
  if (!m->err || !s) return;
  size_t cap = sizeof m->err->message - 1; /* room for the NUL */
  /* Names in messages come from untrusted program bytes: keep messages
   * printable ASCII so callers can print or decode them as they are. */
  for (size_t i = 0; i < n && s[i] && m->len < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    m->err->message[m->len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  m->err->message[m->len] = 0;
}

void selrt_msg_s(selrt_msg *m, const char *s) { selrt_msg_sn(m, s, (size_t)-1); }

void selrt_msg_u(selrt_msg *m, uint64_t v) {
  char d[21]; /* 2^64 has 20 digits */
  size_t i = sizeof d - 1;
  d[i] = 0;
  do {
    d[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  selrt_msg_s(m, d + i);
}

void selrt_msg_i(selrt_msg *m, int64_t v) {
  if (v < 0) {
    selrt_msg_s(m, "-");
    selrt_msg_u(m, 0 - (uint64_t)v); /* well-defined for INT64_MIN too */
    return;
  }
  selrt_msg_u(m, (uint64_t)v);
}
