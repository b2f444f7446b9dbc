/* See recurrent_hybrid.h. */
#include "recurrent_hybrid.h"

#include "hybrid.h"

void selrt_shared_rnn_hybrid_dot(const int8_t *w, size_t rows, size_t cols, const int8_t *q, int32_t zp, float scale,
                                 float *out, size_t out_stride) {
  for (size_t r = 0; r < rows; r++) {
    const int8_t *wr = w + r * cols;
    int32_t acc = 0; /* bounded by the check (hybrid.h) */
    for (size_t k = 0; k < cols; k++) acc += (int32_t)wr[k] * ((int32_t)q[k] - zp);
    out[r * out_stride] += (float)acc * scale;
  }
}

void selrt_shared_rnn_hybrid_matvec(const int8_t *w, size_t rows, size_t cols, const float *v, int8_t *q,
                                    float w_scale, int32_t asymmetric, float *out, size_t out_stride) {
  float rs;
  int32_t zp;
  selrt_shared_hybrid_quantize(v, cols, 1, asymmetric, q, &rs, &zp);
  selrt_shared_rnn_hybrid_dot(w, rows, cols, q, zp, rs * w_scale, out, out_stride);
}

int selrt_shared_rnn_is_i8(const selrt_tensor *t, int32_t rank, uint64_t d0, uint64_t d1) {
  if (!t || t->dtype != SELRT_I8 || !t->data || t->rank != rank || (uint64_t)t->dims[0] != d0) return 0;
  return rank == 1 || (uint64_t)t->dims[1] == d1;
}

selrt_status selrt_shared_rnn_hybrid_check(const selrt_program *p, const selrt_tensor *scales, uint64_t count,
                                           int32_t asymmetric, uint64_t taps) {
  if (!scales || (uint64_t)selrt_numel(scales) != count)
    return SELRT_REJECT(p, "the weight scales are not % values", count, 0);
  if (asymmetric != 0 && asymmetric != 1) return SELRT_REJECT(p, "asymmetric % is not 0 or 1", asymmetric, 0);
  if (selrt_shared_hybrid_scales_check(scales, (size_t)count) != SELRT_OK)
    return SELRT_REJECT(p, "the weight scales must be finite and positive", 0, 0);
  if (taps > (uint64_t)SELRT_SHARED_HYBRID_MAX_TAPS || selrt_shared_hybrid_acc_check((size_t)taps) != SELRT_OK)
    return SELRT_REJECT(p, "% taps per dot product may overflow int32", taps, 0);
  return SELRT_OK;
}
