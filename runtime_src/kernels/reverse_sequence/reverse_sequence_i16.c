/* reverse_sequence.i16: reverses each batch's first seq_lengths[b] elements along the sequence dim (shared/revseq.h) */
#include "../shared/revseq.h"

SELRT_REVSEQ(reverse_sequence, i16, int16_t, SELRT_I16);
