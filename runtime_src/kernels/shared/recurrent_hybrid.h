/* The dynamic-range step of the recurrent kernels (`<op>.f32i8`): LiteRT's
 * hybrid RNN/LSTM/SVDF quantize each float vector (an input row, a state row)
 * on the fly with shared/hybrid.h's row quantization, dot it with int8
 * weight rows in int32 and add acc * (row scale * weight scale) to float
 * accumulators (its MatrixBatchVectorMultiplyAccumulate). Weights have one
 * scale per tensor there. */
#ifndef SELRT_SHARED_RECURRENT_HYBRID_H
#define SELRT_SHARED_RECURRENT_HYBRID_H

#include "selrt_kernel.h"

/* Quantizes v[0..cols) into q (asymmetric 0/1), then for each of `rows`
 * weight rows: out[r * out_stride] += (float)(w[r] . (q - zp)) * (row scale * w_scale). */
void selrt_shared_rnn_hybrid_matvec(const int8_t *w, size_t rows, size_t cols, const float *v, int8_t *q,
                                    float w_scale, int32_t asymmetric, float *out, size_t out_stride);

/* The dot-product half of matvec: q (already quantized with zero point zp)
 * against `rows` weight rows; out[r * out_stride] += (float)acc * scale, where
 * scale = row scale * weight scale. */
void selrt_shared_rnn_hybrid_dot(const int8_t *w, size_t rows, size_t cols, const int8_t *q, int32_t zp, float scale,
                                 float *out, size_t out_stride);

/* t is a constant int8 tensor of exactly `rank` dims d0 (, d1). */
int selrt_shared_rnn_is_i8(const selrt_tensor *t, int32_t rank, uint64_t d0, uint64_t d1);

/* scales: float32 with exactly `count` finite positive values; asymmetric 0/1;
 * every dot product of up to `taps` int8 products fits int32 (shared/hybrid.h). */
selrt_status selrt_shared_rnn_hybrid_check(const selrt_program *p, const selrt_tensor *scales, uint64_t count,
                                           int32_t asymmetric, uint64_t taps);

#endif
