/* fully_connected.i16: TFLite's int16x8 fully connected layer (reference
 * FullyConnected with int16 input). Input flattened to [rows, K], constant
 * int8 weights [N, K] (symmetric, per tensor or per unit: requant [2][N]
 * repeats one pair for per tensor), int64 bias, int64 sums saturated to
 * int32 and requantized as LiteRT's int16 fully_connected does (below),
 * output zero point 0, clamp. */
#include "selrt_kernel.h"
#include "../shared/qi16.h"
#include "../shared/qi8.h"

selrt_status selrt_fully_connected_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I16 || w->dtype != SELRT_I8 || y->dtype != SELRT_I16 || w->rank != 2 || y->rank < 1 ||
      w->dims[0] < 1 || w->dims[1] < 1 || y->dims[y->rank - 1] != w->dims[0])
    return SELRT_REJECT(p, "fully_connected.i16 needs int16 input/output and int8 weights [N, K]", 0, 0);
  if (selrt_numel(x) % (size_t)w->dims[1] ||
      selrt_numel(x) / (size_t)w->dims[1] * (size_t)w->dims[0] != selrt_numel(y))
    return SELRT_REJECT(p, "fully_connected.i16: input of % values does not fit weights of depth %",
                        (int64_t)selrt_numel(x), w->dims[1]);
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX) return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_qi16_requant_check(q, w->dims[0]) != SELRT_OK ||
      selrt_shared_qi16_acc_check(w, b, w->dims[0], 1) != SELRT_OK)
    return SELRT_REJECT(p, "fully_connected.i16: requantize parameters or constant bias/weights out of range", 0, 0);
  return selrt_shared_qi16_range_check(n->ip[SELRT_fully_connected_i16_IP_act_min],
                                       n->ip[SELRT_fully_connected_i16_IP_act_max]);
}

selrt_status selrt_fully_connected_i16_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int16_t *x = (const int16_t *)xt->data;
  const int8_t *w = (const int8_t *)wt->data;
  const int64_t *bias = (const int64_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int16_t *y = (int16_t *)yt->data;
  const int32_t N = wt->dims[0], K = wt->dims[1];
  const size_t rows = selrt_numel(xt) / (size_t)K;
  const int32_t lo = n->ip[SELRT_fully_connected_i16_IP_act_min], hi = n->ip[SELRT_fully_connected_i16_IP_act_max];
  for (size_t r = 0; r < rows; r++) {
    const int16_t *xr = x + r * (size_t)K;
    for (int32_t o = 0; o < N; o++) {
      const int8_t *wr = w + (size_t)o * K;
      int64_t acc = bias[o];
      for (int32_t k = 0; k < K; k++) acc += (int32_t)xr[k] * wr[k];
      /* LiteRT's int16 fully_connected requantizes like its int8 conv (an
       * int32 sum, rounding doubling high multiply, then a rounding shift),
       * not with the 64-bit multiply its int16 conv uses: measured against
       * BUILTIN_REF, the 64-bit one was a step off on ~1% of outputs. */
      const int32_t a = acc > INT32_MAX ? INT32_MAX : acc < INT32_MIN ? INT32_MIN : (int32_t)acc;
      const int32_t v = selrt_shared_qi8_mbqm(a, q[o], q[N + o]);
      y[r * (size_t)N + o] = (int16_t)(v < lo ? lo : v > hi ? hi : v);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(fully_connected_i16, "fully_connected.i16");
