/* reverse_sequence.i64: reverses each batch's first seq_lengths[b] elements along the sequence dim (shared/revseq.h) */
#include "../shared/revseq.h"

SELRT_REVSEQ(reverse_sequence, i64, int64_t, SELRT_I64);
