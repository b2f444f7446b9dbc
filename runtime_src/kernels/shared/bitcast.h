/* bitcast.<dt>: the input's bytes as the output's dtype (f32, i8, u8, i16,
 * i32, i64; not bool, whose bytes must be 0 or 1). The converter gives the
 * output TFLite's shape (same element size: the input's; a wider input
 * grows a last dim of the size ratio, a narrower one drops it); the kernel
 * only relies on equal byte counts, which check proves. */
#ifndef SELRT_SHARED_BITCAST_H
#define SELRT_SHARED_BITCAST_H

#include <string.h>

#include "selrt_kernel.h"

#define SELRT_BITCAST(op, dt, D)                                                                          \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                    \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                                 \
    if (x->dtype != D) return SELRT_REJECT(p, "input dtype % is not the kernel's", (int64_t)x->dtype, 0);  \
    if (y->dtype == SELRT_BOOL || y->dtype == SELRT_F16)                                                  \
      return SELRT_REJECT(p, "output dtype % cannot hold arbitrary bytes", (int64_t)y->dtype, 0);         \
    if (x->bytes != y->bytes)                                                                             \
      return SELRT_REJECT(p, "input of % bytes but output of %", (int64_t)x->bytes, (int64_t)y->bytes);   \
    return SELRT_OK;                                                                                      \
  }                                                                                                       \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                           \
    const selrt_tensor *x = selrt_in(s, n, 0), *y = selrt_out(s, n, 0);                                   \
    if (y->data != x->data) memcpy(y->data, x->data, y->bytes);                                           \
    return SELRT_OK;                                                                                      \
  }                                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
