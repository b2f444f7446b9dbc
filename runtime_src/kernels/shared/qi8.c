/* Integer helpers shared by the int8 kernels; see qi8.h. */
#include "qi8.h"

int32_t selrt_shared_qi8_mbqm(int32_t x, int32_t m, int32_t shift) {
  return selrt_shared_qi8_mbqm_inl(x, m, shift);
}

selrt_status selrt_shared_qi8_requant_check(const selrt_tensor *t, int32_t c) {
  if (t->dtype != SELRT_I32 || t->rank != 2 || t->dims[0] != 2 || t->dims[1] != c)
    return SELRT_ERR_UNSUPPORTED;
  const int32_t *q = (const int32_t *)t->data;
  for (int32_t i = 0; i < c; i++)
    if (q[i] < 0 || q[c + i] < -31 || q[c + i] > 30) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_shared_qi8_acc_check(const selrt_tensor *w, const selrt_tensor *bias, int32_t c, int32_t xmax,
                                        int32_t filter_zp, int32_t smax) {
  if (w->dtype != SELRT_I8 || w->rank < 1 || bias->dtype != SELRT_I32 || !bias->data || c < 0 || xmax < 0 ||
      xmax > 255 || filter_zp < -255 || filter_zp > 255 || smax < 0 || smax > 255)
    return SELRT_ERR_UNSUPPORTED;
  const size_t cd = (size_t)w->dims[w->rank - 1], n = selrt_numel(w);
  if ((size_t)c > cd || selrt_numel(bias) < (size_t)c) return SELRT_ERR_UNSUPPORTED;
  /* The filter zero point's correction: |filter_zp * S| with S a sum of
   * n / cd (one window or row) terms of magnitude <= smax. */
  size_t e;
  if (__builtin_mul_overflow((size_t)(filter_zp < 0 ? -filter_zp : filter_zp) * (size_t)smax, n / cd, &e) ||
      e > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  const int32_t extra = (int32_t)e;
  const int8_t *wd = (const int8_t *)w->data;
  const int32_t *b = (const int32_t *)bias->data;
  for (size_t o = 0; o < cd; o++) {
    /* The range an accumulator can reach, grown tap by tap (|x * w| <= 255 * 128
     * fits int32); stop at the first overflow. */
    int32_t lo = o < (size_t)c ? b[o] : 0, hi = lo;
    if (__builtin_sub_overflow(lo, extra, &lo) || __builtin_add_overflow(hi, extra, &hi)) return SELRT_ERR_UNSUPPORTED;
    for (size_t i = o; i < n; i += cd) {
      const int32_t v = wd ? wd[i] : -128, d = xmax * (v < 0 ? -v : v);
      if (__builtin_sub_overflow(lo, d, &lo) || __builtin_add_overflow(hi, d, &hi)) return SELRT_ERR_UNSUPPORTED;
    }
  }
  return SELRT_OK;
}

selrt_status selrt_shared_qi8_range_check(int32_t zp_a, int32_t zp_b, int32_t lo, int32_t hi) {
  if (zp_a < -128 || zp_a > 127 || zp_b < -128 || zp_b > 127 || lo < -128 || hi > 127 || lo > hi)
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

void selrt_shared_qi8_requant(const int32_t *acc, int8_t *out, int32_t c, const int32_t *mul,
                              const int32_t *shift, int32_t zp, int32_t lo, int32_t hi) {
  selrt_shared_qi8_requant_inl(acc, out, c, mul, shift, zp, lo, hi);
}

void selrt_shared_qi8_requant1(const int32_t *acc, int8_t *out, int32_t c, const int32_t *mul,
                               const int32_t *shift, int32_t zp, int32_t lo, int32_t hi) {
  for (int32_t i = 0; i < c; i++) {
    const int32_t total = 31 - shift[i]; /* 1..62: |acc * mul| < 2^62, the sum fits int64 */
    int64_t v = ((int64_t)acc[i] * mul[i] + ((int64_t)1 << (total - 1))) >> total;
    v += zp;
    out[i] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
  }
}

void selrt_shared_qi8_lut(const int8_t *x, int8_t *y, size_t count, const int8_t *table) {
  for (size_t i = 0; i < count; i++) y[i] = table[(uint8_t)x[i]];
}

size_t selrt_shared_qi8_reduce_count(const selrt_tensor *x, int32_t mask) {
  size_t c = 1;
  for (int32_t d = 0; d < x->rank; d++)
    if (mask & (1 << d)) c *= (size_t)x->dims[d];
  return c;
}

selrt_status selrt_shared_qi8_reduce_check(const selrt_tensor *x, const selrt_tensor *y, int32_t mask) {
  if (x->rank > SELRT_MAX_RANK || mask < 0 || mask >= (1 << x->rank)) return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) != selrt_numel(y) * selrt_shared_qi8_reduce_count(x, mask)) return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX / 256) return SELRT_ERR_UNSUPPORTED; /* int32 sums cannot overflow */
  return SELRT_OK;
}

/* One output element of a reduction, the reduced elements visited in input
 * order (LiteRT's order: the int8 product rescales at every step, so the
 * order decides the rounding). mode: 0 sum, 1 max, 2 min, 3 product: acc =
 * x0 - q[0], then acc = step(acc, x - q[0], q) for every further element. */
static int32_t selrt_shared_qi8_reduce_one(const selrt_tensor *x, int32_t mask, int mode, selrt_shared_qi8_step step,
                                           const int32_t *q, size_t o) {
  const int8_t *xd = (const int8_t *)x->data;
  size_t stride[SELRT_MAX_RANK], rdims[SELRT_MAX_RANK], rstr[SELRT_MAX_RANK];
  int32_t nr = 0;
  size_t st = 1, base = 0;
  for (int32_t d = x->rank - 1; d >= 0; d--) {
    stride[d] = st;
    st *= (size_t)x->dims[d];
  }
  /* Kept dims: peel output index o from the innermost kept dim outwards. */
  for (int32_t d = x->rank - 1; d >= 0; d--) {
    if (mask & (1 << d)) continue;
    base += (o % (size_t)x->dims[d]) * stride[d];
    o /= (size_t)x->dims[d];
  }
  for (int32_t d = 0; d < x->rank; d++)
    if (mask & (1 << d)) {
      rdims[nr] = (size_t)x->dims[d];
      rstr[nr++] = stride[d];
    }
  /* Odometer over the reduced dims; the innermost one is a strided loop. */
  size_t idx[SELRT_MAX_RANK] = {0};
  int32_t acc = mode == 1 ? -128 : mode == 2 ? 127 : 0;
  int first = 1;
  const size_t inner = nr ? rdims[nr - 1] : 1, istr = nr ? rstr[nr - 1] : 0;
  for (;;) {
    size_t off = base;
    for (int32_t r = 0; r + 1 < nr; r++) off += idx[r] * rstr[r];
    const int8_t *p = xd + off;
    if (mode == 1) {
      for (size_t i = 0; i < inner; i++) acc = p[i * istr] > acc ? p[i * istr] : acc;
    } else if (mode == 2) {
      for (size_t i = 0; i < inner; i++) acc = p[i * istr] < acc ? p[i * istr] : acc;
    } else if (mode == 3) {
      for (size_t i = 0; i < inner; i++, first = 0) {
        const int32_t v = p[i * istr] - q[0];
        acc = first ? v : step(acc, v, q);
      }
    } else {
      for (size_t i = 0; i < inner; i++) acc += p[i * istr];
    }
    int32_t r = nr - 2;
    while (r >= 0 && ++idx[r] == rdims[r]) idx[r--] = 0;
    if (r < 0) break;
  }
  return acc;
}

void selrt_shared_qi8_reduce(const selrt_tensor *x, int32_t mask, int mode, int32_t *out_o, size_t o) {
  *out_o = selrt_shared_qi8_reduce_one(x, mask, mode, 0, 0, o);
}

int32_t selrt_shared_qi8_reduce_prod(const selrt_tensor *x, int32_t mask, selrt_shared_qi8_step step,
                                     const int32_t *q, size_t o) {
  return selrt_shared_qi8_reduce_one(x, mask, 3, step, q, o);
}

void selrt_shared_qi8_strided_run(selrt_session *s, const selrt_node *n, const int32_t *ip) {
  const int8_t *src = (const int8_t *)selrt_in(s, n, 0)->data;
  selrt_tensor *y = selrt_out(s, n, 0);
  int8_t *dst = (int8_t *)y->data;
  const int32_t *dims = ip + 2, *strides = ip + 2 + SELRT_MAX_RANK;
  int32_t rank = ip[0], idx[SELRT_MAX_RANK];
  ptrdiff_t pos = ip[1];
  for (int32_t k = 0; k < rank; k++) idx[k] = 0;
  for (size_t i = 0, total = selrt_numel(y); i < total; i++) {
    dst[i] = src[pos];
    for (int32_t k = rank - 1; k >= 0; k--) {
      pos += strides[k];
      if (++idx[k] < dims[k]) break;
      pos -= (ptrdiff_t)strides[k] * dims[k];
      idx[k] = 0;
    }
  }
}
