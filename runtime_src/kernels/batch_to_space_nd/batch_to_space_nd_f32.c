/* batch_to_space_nd.f32: the inverse of space_to_batch_nd, with crops:
 *   out[b, y, x, c] = in[(i * block_w + j) * B + b, h, w, c]
 * where y + crop_top = h * block_h + i and x + crop_left = w * block_w + j
 * (B = output batches; W = 1 for 3-D tensors). check proves the cropped
 * window inside the assembled image, so h < H and w < W always. */
#include "selrt_kernel.h"

#define SELRT_B2S_IP(name) n->ip[SELRT_batch_to_space_nd_f32_IP_##name]

selrt_status selrt_batch_to_space_nd_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int64_t bh = SELRT_B2S_IP(block_h), bw = SELRT_B2S_IP(block_w);
  const int64_t ct = SELRT_B2S_IP(crop_top), cl = SELRT_B2S_IP(crop_left);
  if (x->dtype != SELRT_F32 || y->dtype != SELRT_F32 || x->rank != y->rank || (x->rank != 3 && x->rank != 4) ||
      bh < 1 || bw < 1 || (x->rank == 3 && bw != 1) || ct < 0 || cl < 0 ||
      x->dims[0] % (bh * bw) || x->dims[0] / (bh * bw) != y->dims[0] || x->dims[x->rank - 1] != y->dims[y->rank - 1] ||
      y->dims[1] + ct > x->dims[1] * bh || (x->rank == 4 && y->dims[2] + cl > x->dims[2] * bw) ||
      (x->rank == 3 && cl != 0))
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_batch_to_space_nd_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)yt->data;
  const int four = xt->rank == 4;
  const int64_t H = xt->dims[1], W = four ? xt->dims[2] : 1, C = xt->dims[xt->rank - 1];
  const int64_t B = yt->dims[0], OH = yt->dims[1], OW = four ? yt->dims[2] : 1;
  const int64_t bh = SELRT_B2S_IP(block_h), bw = SELRT_B2S_IP(block_w);
  const int64_t ct = SELRT_B2S_IP(crop_top), cl = SELRT_B2S_IP(crop_left);
  for (int64_t b = 0; b < B; b++)
    for (int64_t oy = 0; oy < OH; oy++) {
      const int64_t h = (oy + ct) / bh, i = (oy + ct) % bh;
      for (int64_t ox = 0; ox < OW; ox++, y += C) {
        const int64_t w = (ox + cl) / bw, j = (ox + cl) % bw;
        const float *src = x + ((((i * bw + j) * B + b) * H + h) * W + w) * C;
        for (int64_t c = 0; c < C; c++) y[c] = src[c];
      }
    }
  return SELRT_OK;
}

SELRT_KERNEL(batch_to_space_nd_f32, "batch_to_space_nd.f32");
