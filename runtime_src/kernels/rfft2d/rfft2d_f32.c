/* rfft2d.f32: TFLite's RFFT2D fused with the one node reading its complex
 * result (COMPLEX_ABS, REAL or IMAG: iparam part 0, 1, 2), so no complex
 * tensor exists at run time (convert/ops/fft.py).
 *
 * input [..., R, C] float, seen as batch x R x C; each R x C matrix is cropped
 * or zero-padded to fft_rows x fft_cols (H x W, powers of two) and
 * transformed as np.fft.rfft2: a complex FFT of length W along every row that
 * holds input (rows past R transform to zeros), keeping bins 0 .. W/2, then a
 * complex FFT of length H down every kept column. output: batch x H x (W/2+1)
 * floats, the chosen part of each bin (its numel is checked: the converter may
 * give it the shape of a reshape that followed the complex result).
 *
 * twiddles: M = max(H, W); float pairs (cos, -sin)(2 pi k / M) for
 * k < max(M/2, 1), built by the converter; an FFT of length n <= M uses every
 * (M/n)-th. scratch: 2*H*(W/2+1) floats (the complex matrix) + 2*M (one line).
 * Iterative radix-2, in place, bit-reversed input order. */
#include "selrt_kernel.h"
#include <math.h>
#include <string.h>

#define SELRT_RFFT2D_MAX_LEN (1 << 24)

static int selrt_rfft2d_f32_pow2(int32_t v) {
  return v >= 1 && v <= SELRT_RFFT2D_MAX_LEN && (v & (v - 1)) == 0;
}

selrt_status selrt_rfft2d_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *tw = selrt_pin(p, n, 1);
  const selrt_tensor *y = selrt_pout(p, n, 0), *sc = selrt_pout(p, n, 1);
  const int32_t h = n->ip[SELRT_rfft2d_f32_IP_fft_rows], w = n->ip[SELRT_rfft2d_f32_IP_fft_cols];
  const int32_t part = n->ip[SELRT_rfft2d_f32_IP_part];
  if (x->dtype != SELRT_F32 || y->dtype != SELRT_F32 || tw->dtype != SELRT_F32 || sc->dtype != SELRT_F32)
    return SELRT_REJECT(p, "input, twiddles, output and scratch must be float32", 0, 0);
  if (x->rank < 2) return SELRT_REJECT(p, "input rank % is below 2", x->rank, 0);
  if (!selrt_rfft2d_f32_pow2(h)) return SELRT_REJECT(p, "fft_rows % is not a power of two in [1, 2^24]", h, 0);
  if (!selrt_rfft2d_f32_pow2(w)) return SELRT_REJECT(p, "fft_cols % is not a power of two in [1, 2^24]", w, 0);
  if (part < 0 || part > 2) return SELRT_REJECT(p, "part % is not 0 (abs), 1 (real) or 2 (imag)", part, 0);
  const uint64_t rows = (uint64_t)x->dims[x->rank - 2], cols = (uint64_t)x->dims[x->rank - 1];
  const uint64_t batch = (uint64_t)selrt_numel(x) / (rows * cols);
  const uint64_t H = (uint64_t)h, wh = (uint64_t)w / 2 + 1, M = H > (uint64_t)w ? H : (uint64_t)w;
  const uint64_t n_tw = 2 * (M / 2 > 1 ? M / 2 : 1);
  if ((uint64_t)selrt_numel(tw) != n_tw) return SELRT_REJECT(p, "twiddles hold % floats, not %", selrt_numel(tw), n_tw);
  if ((uint64_t)selrt_numel(sc) != 2 * H * wh + 2 * M)
    return SELRT_REJECT(p, "scratch holds % floats, not %", selrt_numel(sc), 2 * H * wh + 2 * M);
  if ((uint64_t)selrt_numel(y) != batch * H * wh)
    return SELRT_REJECT(p, "output holds % floats, not %", selrt_numel(y), batch * H * wh);
  return SELRT_OK;
}

/* In-place complex FFT of d[0 .. 2n) (interleaved), n a power of two <= m. */
static void selrt_rfft2d_f32_fft(float *d, size_t n, const float *tw, size_t m) {
  for (size_t i = 1, j = 0; i < n; i++) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) {
      float t = d[2 * i]; d[2 * i] = d[2 * j]; d[2 * j] = t;
      t = d[2 * i + 1]; d[2 * i + 1] = d[2 * j + 1]; d[2 * j + 1] = t;
    }
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const size_t half = len >> 1, step = 2 * (m / len);
    for (size_t i = 0; i < n; i += len) {
      float *a = d + 2 * i, *b = a + 2 * half;
      for (size_t k = 0; k < half; k++) {
        const float wr = tw[k * step], wi = tw[k * step + 1];
        const float br = b[2 * k] * wr - b[2 * k + 1] * wi, bi = b[2 * k] * wi + b[2 * k + 1] * wr;
        b[2 * k] = a[2 * k] - br;
        b[2 * k + 1] = a[2 * k + 1] - bi;
        a[2 * k] += br;
        a[2 * k + 1] += bi;
      }
    }
  }
}

selrt_status selrt_rfft2d_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  const size_t H = (size_t)n->ip[SELRT_rfft2d_f32_IP_fft_rows], W = (size_t)n->ip[SELRT_rfft2d_f32_IP_fft_cols];
  const int32_t part = n->ip[SELRT_rfft2d_f32_IP_part];
  const size_t R = (size_t)xt->dims[xt->rank - 2], C = (size_t)xt->dims[xt->rank - 1];
  const size_t batch = selrt_numel(xt) / (R * C), wh = W / 2 + 1, M = H > W ? H : W;
  const size_t rows = R < H ? R : H, cols = C < W ? C : W;
  const float *x = (const float *)xt->data, *tw = (const float *)selrt_in(s, n, 1)->data;
  float *y = (float *)selrt_out(s, n, 0)->data, *work = (float *)selrt_out(s, n, 1)->data;
  float *line = work + 2 * H * wh;
  for (size_t b = 0; b < batch; b++, x += R * C, y += H * wh) {
    for (size_t r = 0; r < H; r++) {
      float *cw = work + 2 * r * wh;
      if (r >= rows) {
        memset(cw, 0, 2 * wh * sizeof(float));
        continue;
      }
      for (size_t c = 0; c < W; c++) {
        line[2 * c] = c < cols ? x[r * C + c] : 0.0f;
        line[2 * c + 1] = 0.0f;
      }
      selrt_rfft2d_f32_fft(line, W, tw, M);
      memcpy(cw, line, 2 * wh * sizeof(float));
    }
    if (H > 1) {
      for (size_t k = 0; k < wh; k++) {
        for (size_t r = 0; r < H; r++) {
          line[2 * r] = work[2 * (r * wh + k)];
          line[2 * r + 1] = work[2 * (r * wh + k) + 1];
        }
        selrt_rfft2d_f32_fft(line, H, tw, M);
        for (size_t r = 0; r < H; r++) {
          work[2 * (r * wh + k)] = line[2 * r];
          work[2 * (r * wh + k) + 1] = line[2 * r + 1];
        }
      }
    }
    for (size_t i = 0; i < H * wh; i++) {
      const float re = work[2 * i], im = work[2 * i + 1];
      y[i] = part == 0 ? sqrtf(re * re + im * im) : part == 1 ? re : im;
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(rfft2d_f32, "rfft2d.f32");
