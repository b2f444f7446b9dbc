/* conv3d_transpose.f32 (scatter form): NDHWC input, filter [KD][KH][KW][Cout][Cin]
 * as TFLite stores it (input channels innermost: each tap is Cout dot
 * products of length Cin), optional bias [Cout], strides, dilations, padding
 * as the converter resolved it from the forward convolution (output ->
 * input), fused activation as a clamp applied once every tap is in. The output
 * starts as the bias (or zeros); each input pixel adds its taps to the
 * output cells they land on, taps off the output are dropped. No scratch. */
#include "selrt_kernel.h"
#include "../shared/window.h"

selrt_status selrt_conv3d_transpose_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  selrt_status st = selrt_shared_conv3d_check(p, x, w, b, y, 4, 3, n->fp[SELRT_conv3d_transpose_f32_FP_act_min],
                                              n->fp[SELRT_conv3d_transpose_f32_FP_act_max]);
  if (st != SELRT_OK) return st;
  /* the windows are the forward convolution's, from the output to the input */
  return selrt_shared_window3d_check(p, y, x, w->dims, n->ip + SELRT_conv3d_transpose_f32_IP_stride_d,
                                     n->ip + SELRT_conv3d_transpose_f32_IP_dilation_d,
                                     n->ip + SELRT_conv3d_transpose_f32_IP_pad_front);
}

selrt_status selrt_conv3d_transpose_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 2);
  const selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *w = (const float *)wt->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  float *y = (float *)yt->data;
  const int32_t *ip = n->ip;
  const int32_t in[3] = {xt->dims[1], xt->dims[2], xt->dims[3]}, C = xt->dims[4];
  const int32_t K[3] = {wt->dims[0], wt->dims[1], wt->dims[2]};
  const int32_t out[3] = {yt->dims[1], yt->dims[2], yt->dims[3]}, OC = yt->dims[4];
  const int32_t *st = ip + SELRT_conv3d_transpose_f32_IP_stride_d, *dl = ip + SELRT_conv3d_transpose_f32_IP_dilation_d;
  const int32_t *pad = ip + SELRT_conv3d_transpose_f32_IP_pad_front;
  const float lo = n->fp[SELRT_conv3d_transpose_f32_FP_act_min], hi = n->fp[SELRT_conv3d_transpose_f32_FP_act_max];
  const size_t tap = (size_t)C * OC, cells = selrt_numel(yt) / (size_t)OC;
  for (size_t i = 0; i < cells; i++)
    for (int32_t o = 0; o < OC; o++) y[i * OC + o] = bias ? bias[o] : 0.0f;
  for (int32_t b = 0; b < xt->dims[0]; b++)
    for (int32_t id = 0; id < in[0]; id++)
      for (int32_t ih = 0; ih < in[1]; ih++)
        for (int32_t iw = 0; iw < in[2]; iw++) {
          const float *xp = x + ((((size_t)b * in[0] + id) * in[1] + ih) * in[2] + iw) * C;
          for (int32_t kd = 0; kd < K[0]; kd++) {
            const int64_t od = (int64_t)id * st[0] - pad[0] + (int64_t)kd * dl[0];
            if (od < 0 || od >= out[0]) continue;
            for (int32_t kh = 0; kh < K[1]; kh++) {
              const int64_t oh = (int64_t)ih * st[1] - pad[1] + (int64_t)kh * dl[1];
              if (oh < 0 || oh >= out[1]) continue;
              for (int32_t kw = 0; kw < K[2]; kw++) {
                const int64_t ow = (int64_t)iw * st[2] - pad[2] + (int64_t)kw * dl[2];
                if (ow < 0 || ow >= out[2]) continue;
                float *yp = y + ((((size_t)b * out[0] + (size_t)od) * out[1] + (size_t)oh) * out[2] + (size_t)ow) * OC;
                const float *wp = w + (((size_t)kd * K[1] + kh) * K[2] + kw) * tap;
                for (int32_t o = 0; o < OC; o++) {
                  const float *restrict wr = wp + (size_t)o * C;
                  float acc = 0.0f;
                  for (int32_t c = 0; c < C; c++) acc += xp[c] * wr[c];
                  yp[o] += acc;
                }
              }
            }
          }
        }
  for (size_t i = 0, e = cells * (size_t)OC; i < e; i++) {
    const float v = y[i] < lo ? lo : y[i];
    y[i] = v > hi ? hi : v;
  }
  return SELRT_OK;
}

SELRT_KERNEL(conv3d_transpose_f32, "conv3d_transpose.f32");
