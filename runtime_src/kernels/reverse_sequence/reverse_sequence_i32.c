/* reverse_sequence.i32: reverses each batch's first seq_lengths[b] elements along the sequence dim (shared/revseq.h) */
#include "../shared/revseq.h"

SELRT_REVSEQ(reverse_sequence, i32, int32_t, SELRT_I32);
