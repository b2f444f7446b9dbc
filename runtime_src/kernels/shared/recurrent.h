/* Helpers of the recurrent kernels (unidirectional_sequence_lstm,
 * unidirectional_sequence_rnn, svdf).
 *
 * State: TFLite keeps an RNN's state in variable tensors that the op reads
 * and overwrites. The converter threads each one through the graph instead
 * (selbuild/convert/ops/recurrent.py): a node reads the state the previous
 * node of the same variable wrote (or, the first one, no input: zeros) and
 * writes its own state output. So a kernel never writes an input, and
 * several ops on one state (SVDF steps) keep TFLite's order.
 *
 * Activations follow the options' fused_activation_function in
 * selbuild.ir.ACTIVATIONS order: 0 none, 1 relu, 2 relu_n1_to_1, 3 relu6,
 * 4 tanh (sign_bit, 5, is refused). */
#ifndef SELRT_SHARED_RECURRENT_H
#define SELRT_SHARED_RECURRENT_H

#include "selrt_kernel.h"

#define SELRT_SHARED_RNN_ACT_TANH 4

/* SELRT_OK when the activation code is one of the five above. */
selrt_status selrt_shared_rnn_act_check(const selrt_program *p, int32_t act);

/* t is a float32 tensor of exactly `rank` dims d0 (, d1): a weight matrix or
 * vector of the expected shape. rank 1 ignores d1. */
int selrt_shared_rnn_is_f32(const selrt_tensor *t, int32_t rank, uint64_t d0, uint64_t d1);

/* t is float32 with `count` elements (state tensors, outputs). */
int selrt_shared_rnn_f32_count(const selrt_tensor *t, uint64_t count);

/* dst[0..n) = src[0..n), or zeros when src is NULL (the first node of a state). */
void selrt_shared_rnn_state_init(float *dst, const float *src, size_t n);

/* sum a[k] * b[k], k < n. */
float selrt_shared_rnn_dot(const float *a, const float *b, size_t n);

/* 1 / (1 + e^-v). */
float selrt_shared_rnn_sigmoid(float v);

/* The activation `act` (codes above) of v. */
float selrt_shared_rnn_act(int32_t act, float v);

/* A float RNN over a sequence, one direction (reverse: last step first):
 * h = act(bias + W x_t + R h) for x [B,T,I] (time_major [T,B,I]), W [U,I],
 * R [U,U], bias [U] or NULL; h [B,U] in/out; step t of batch row b is
 * written to y + row * y_step (row = t*B+b or b*T+t), U floats. */
void selrt_shared_rnn_seq_f32(const float *x, size_t B, size_t T, size_t I, int32_t time_major, const float *w,
                              const float *r, const float *bias, size_t U, int32_t act, float *h, float *y,
                              size_t y_step, int reverse);

/* The LSTM kernels' common part (unidirectional_sequence_lstm.f32 and
 * .f32i8). Operands in TFLite's order: */
enum {
  SELRT_LSTM_X = 0, SELRT_LSTM_WX = 1, SELRT_LSTM_WH = 5, SELRT_LSTM_WC = 9, SELRT_LSTM_BIAS = 12,
  SELRT_LSTM_WP = 16, SELRT_LSTM_BP = 17, SELRT_LSTM_HS = 18, SELRT_LSTM_CS = 19, SELRT_LSTM_LN = 20
};

/* Sizes of an LSTM node: batch, time, input depth, cells, outputs. */
typedef struct selrt_shared_lstm_dims {
  uint64_t B, T, I, C, O;
  int cifg, peephole, layer_norm;
} selrt_shared_lstm_dims;

/* Operand layouts: the unidirectional (and one-step) LSTM's 24 inputs, or
 * one direction of bidirectional_sequence_lstm (forward operands 1..17,
 * backward 18..34, states 35..38, no layer norm). */
#define SELRT_SHARED_LSTM_UNI 0
#define SELRT_SHARED_LSTM_FW 1
#define SELRT_SHARED_LSTM_BW 2

/* time_major value of the single-step LSTM op (x [B, I], T = 1). */
#define SELRT_SHARED_LSTM_ONE_STEP (-1)

/* Checks the 24 operands (weights of dtype `wdt`; biases, layer norm, states
 * float), the outputs [B*T*O], [B*O], [B*C], the activation, time_major and
 * the clips; fills `d`. A bidirectional layout leaves output 0's size to its kernel. */
selrt_status selrt_shared_lstm_check(const selrt_program *p, const selrt_node *n, selrt_dtype wdt, int32_t time_major,
                                     int32_t act, float cell_clip, float proj_clip, selrt_shared_lstm_dims *d,
                                     int layout);

/* One step of one batch row after the weight products. */
typedef struct selrt_shared_lstm_cell {
  size_t C;
  int cifg, layer_norm;
  int32_t act;
  float cell_clip;
  const float *peephole[4]; /* gates i, f, (c), o; NULL when absent */
  const float *bias[4];
  const float *ln[4];
} selrt_shared_lstm_cell;

/* gate [4C]: per gate i, f, c, o the sums Wx x + Wh h (plus the bias unless
 * layer norm); c [C] the cell state, updated; hc [C] gets o * act(c). */
void selrt_shared_lstm_cell_step(const selrt_shared_lstm_cell *L, float *gate, float *c, float *hc);

/* The float LSTM over the node's sequence (or one step), one direction of
 * `layout` (backward: last step first): h out, c out, 5*C scratch as the
 * layout places them; step output row r at y + r * y_step (0: O). */
void selrt_shared_lstm_f32_run(selrt_session *s, const selrt_node *n, int32_t time_major, int32_t act, float cell_clip,
                               float proj_clip, int layout, float *y, size_t y_step);

/* v clipped to [-clip, clip]; clip 0 = none. */
float selrt_shared_rnn_clip(float v, float clip);

#endif
