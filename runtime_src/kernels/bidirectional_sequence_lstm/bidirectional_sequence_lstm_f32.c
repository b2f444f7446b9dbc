/* bidirectional_sequence_lstm.f32: LiteRT's bidirectional LSTM without
 * auxiliary input: a forward LSTM (operands 1..17 as
 * unidirectional_sequence_lstm.f32's 1..17, states 35, 36) from the first
 * step and a backward one (18..34, states 37, 38) from the last, both over
 * x [B,T,I] (time_major [T,B,I]), each writing step t's output at position t.
 * merge_outputs: output 0 is [..., Of+Ob], forward first, and output 1 is not
 * written; else output 0 [..., Of], output 1 [..., Ob]. No layer norm (the op
 * has none). States out: outputs 2..5 (h, c forward, h, c backward);
 * scratch: 5*max(Cf, Cb) floats, used by one direction at a time. */
#include "../shared/recurrent.h"

#define SELRT_BILSTM_IP(name) n->ip[SELRT_bidirectional_sequence_lstm_f32_IP_##name]
#define SELRT_BILSTM_FP(name) n->fp[SELRT_bidirectional_sequence_lstm_f32_FP_##name]

selrt_status selrt_bidirectional_sequence_lstm_f32_check(const selrt_program *p, const selrt_node *n) {
  selrt_shared_lstm_dims d[2];
  const int32_t merge = SELRT_BILSTM_IP(merge_outputs);
  if (merge != 0 && merge != 1) return SELRT_REJECT(p, "merge_outputs % is not 0 or 1", merge, 0);
  for (int k = 0; k < 2; k++) {
    const selrt_status st = selrt_shared_lstm_check(p, n, SELRT_F32, SELRT_BILSTM_IP(time_major), SELRT_BILSTM_IP(activation),
                                                    SELRT_BILSTM_FP(cell_clip), SELRT_BILSTM_FP(proj_clip), &d[k],
                                                    k ? SELRT_SHARED_LSTM_BW : SELRT_SHARED_LSTM_FW);
    if (st != SELRT_OK) return st;
  }
  const uint64_t rows = d[0].B * d[0].T, cmax = d[0].C > d[1].C ? d[0].C : d[1].C;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), rows * (merge ? d[0].O + d[1].O : d[0].O)))
    return SELRT_REJECT(p, "output 0 is not % floats", rows * (merge ? d[0].O + d[1].O : d[0].O), 0);
  if (!merge && !selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), rows * d[1].O))
    return SELRT_REJECT(p, "output 1 is not % floats", rows * d[1].O, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 6), 5 * cmax)) return SELRT_REJECT(p, "scratch is not % floats", 5 * cmax, 0);
  return SELRT_OK;
}

/* O of one direction: the projection's rows, else the cells. */
static size_t selrt_bidirectional_sequence_lstm_f32_units(selrt_session *s, const selrt_node *n, uint32_t base) {
  const selrt_tensor *wp = selrt_in(s, n, base + 16);
  return (size_t)(wp ? wp->dims[0] : selrt_in(s, n, base + 2)->dims[0]);
}

selrt_status selrt_bidirectional_sequence_lstm_f32_run(selrt_session *s, const selrt_node *n) {
  const int32_t merge = SELRT_BILSTM_IP(merge_outputs);
  const size_t of = selrt_bidirectional_sequence_lstm_f32_units(s, n, 0);
  const size_t ob = selrt_bidirectional_sequence_lstm_f32_units(s, n, 17);
  float *y0 = (float *)selrt_out(s, n, 0)->data;
  selrt_shared_lstm_f32_run(s, n, SELRT_BILSTM_IP(time_major), SELRT_BILSTM_IP(activation), SELRT_BILSTM_FP(cell_clip),
                            SELRT_BILSTM_FP(proj_clip), SELRT_SHARED_LSTM_FW, y0, merge ? of + ob : of);
  selrt_shared_lstm_f32_run(s, n, SELRT_BILSTM_IP(time_major), SELRT_BILSTM_IP(activation), SELRT_BILSTM_FP(cell_clip),
                            SELRT_BILSTM_FP(proj_clip), SELRT_SHARED_LSTM_BW,
                            merge ? y0 + of : (float *)selrt_out(s, n, 1)->data, merge ? of + ob : ob);
  return SELRT_OK;
}

SELRT_KERNEL(bidirectional_sequence_lstm_f32, "bidirectional_sequence_lstm.f32");
