/* lstm.f32: TFLite's LSTM op (the full kernel, one time step): x [B, I], the
 * 24 operands of unidirectional_sequence_lstm.f32 in the same order, output
 * [B, O]; the cell is shared/recurrent.c's, with T = 1. */
#include "../shared/recurrent.h"

selrt_status selrt_lstm_f32_check(const selrt_program *p, const selrt_node *n) {
  selrt_shared_lstm_dims d;
  const selrt_status st = selrt_shared_lstm_check(p, n, SELRT_F32, SELRT_SHARED_LSTM_ONE_STEP,
                                                  n->ip[SELRT_lstm_f32_IP_activation], n->fp[SELRT_lstm_f32_FP_cell_clip],
                                                  n->fp[SELRT_lstm_f32_FP_proj_clip], &d, SELRT_SHARED_LSTM_UNI);
  if (st != SELRT_OK) return st;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 3), 5 * d.C)) return SELRT_REJECT(p, "scratch is not % floats", 5 * d.C, 0);
  return SELRT_OK;
}

selrt_status selrt_lstm_f32_run(selrt_session *s, const selrt_node *n) {
  selrt_shared_lstm_f32_run(s, n, SELRT_SHARED_LSTM_ONE_STEP, n->ip[SELRT_lstm_f32_IP_activation],
                            n->fp[SELRT_lstm_f32_FP_cell_clip], n->fp[SELRT_lstm_f32_FP_proj_clip], SELRT_SHARED_LSTM_UNI,
                            (float *)selrt_out(s, n, 0)->data, 0);
  return SELRT_OK;
}

SELRT_KERNEL(lstm_f32, "lstm.f32");
