/* Load-time checks of the int16x8 kernels (see qi16.h). */
#include "qi16.h"

#define SELRT_QI16_ACC_LIMIT ((int64_t)1 << 47)

selrt_status selrt_shared_qi16_requant_check(const selrt_tensor *t, int32_t c) {
  if (!t->data || t->dtype != SELRT_I32 || t->rank != 2 || t->dims[0] != 2 || t->dims[1] != c)
    return SELRT_ERR_UNSUPPORTED;
  const int32_t *q = (const int32_t *)t->data;
  for (int32_t i = 0; i < c; i++)
    if (q[i] < 0 || q[c + i] < -31 || q[c + i] > 7) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_shared_qi16_acc_check(const selrt_tensor *w, const selrt_tensor *bias, int32_t c,
                                         int channel_first) {
  if (!w->data || !bias->data || w->dtype != SELRT_I8 || bias->dtype != SELRT_I64 || w->rank < 1 || c < 1 ||
      selrt_numel(bias) != (size_t)c)
    return SELRT_ERR_UNSUPPORTED;
  const size_t n = selrt_numel(w);
  const size_t cd = channel_first ? (size_t)w->dims[0] : (size_t)w->dims[w->rank - 1];
  if (cd != (size_t)c || n % cd) return SELRT_ERR_UNSUPPORTED;
  const int8_t *wd = (const int8_t *)w->data;
  const int64_t *b = (const int64_t *)bias->data;
  const size_t per = n / cd;
  for (size_t o = 0; o < cd; o++) {
    if (b[o] <= -SELRT_QI16_ACC_LIMIT || b[o] >= SELRT_QI16_ACC_LIMIT) return SELRT_ERR_UNSUPPORTED;
    int64_t bound = b[o] < 0 ? -b[o] : b[o];
    for (size_t i = 0; i < per; i++) {
      const int32_t v = wd[channel_first ? o * per + i : i * cd + o];
      bound += (int64_t)32768 * (v < 0 ? -v : v);
      if (bound >= SELRT_QI16_ACC_LIMIT) return SELRT_ERR_UNSUPPORTED; /* stop before int64 could overflow */
    }
  }
  return SELRT_OK;
}

selrt_status selrt_shared_qi16_range_check(int32_t lo, int32_t hi) {
  if (lo < -32768 || hi > 32767 || lo > hi) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}
