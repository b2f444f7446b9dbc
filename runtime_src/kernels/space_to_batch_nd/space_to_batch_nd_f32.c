/* space_to_batch_nd.f32: [B, H, W, C] (W = 1 for a 3-D input) zero-padded by
 * pad_top/pad_left before (the output shape gives the rest), cut into
 * block_h x block_w tiles that become batches:
 *   out[(i * block_w + j) * B + b, h, w, c] = in[b, h * block_h + i - pad_top, w * block_w + j - pad_left, c]
 * and 0 where that lies in the padding. run tests each source row and column
 * against the input, so no program can make it read outside. */
#include "selrt_kernel.h"

#define SELRT_S2B_IP(name) n->ip[SELRT_space_to_batch_nd_f32_IP_##name]

selrt_status selrt_space_to_batch_nd_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int64_t bh = SELRT_S2B_IP(block_h), bw = SELRT_S2B_IP(block_w);
  if (x->dtype != SELRT_F32 || y->dtype != SELRT_F32 || x->rank != y->rank || (x->rank != 3 && x->rank != 4) ||
      bh < 1 || bw < 1 || (x->rank == 3 && bw != 1) || SELRT_S2B_IP(pad_top) < 0 || SELRT_S2B_IP(pad_left) < 0 ||
      y->dims[0] % (bh * bw) || y->dims[0] / (bh * bw) != x->dims[0] || x->dims[x->rank - 1] != y->dims[y->rank - 1])
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_space_to_batch_nd_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)yt->data;
  const int four = xt->rank == 4;
  const int64_t B = xt->dims[0], H = xt->dims[1], W = four ? xt->dims[2] : 1, C = xt->dims[xt->rank - 1];
  const int64_t OB = yt->dims[0], OH = yt->dims[1], OW = four ? yt->dims[2] : 1;
  const int64_t bw = SELRT_S2B_IP(block_w), bh = SELRT_S2B_IP(block_h);
  const int64_t pt = SELRT_S2B_IP(pad_top), pl = SELRT_S2B_IP(pad_left);
  for (int64_t ob = 0; ob < OB; ob++) {
    const int64_t b = ob % B, i = ob / B / bw, j = ob / B % bw;
    for (int64_t h = 0; h < OH; h++) {
      const int64_t ih = h * bh + i - pt;
      for (int64_t w = 0; w < OW; w++, y += C) {
        const int64_t iw = w * bw + j - pl;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          for (int64_t c = 0; c < C; c++) y[c] = 0.0f;
          continue;
        }
        const float *src = x + ((b * H + ih) * W + iw) * C;
        for (int64_t c = 0; c < C; c++) y[c] = src[c];
      }
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(space_to_batch_nd_f32, "space_to_batch_nd.f32");
