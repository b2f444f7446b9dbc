/* reverse_sequence.u8: reverses each batch's first seq_lengths[b] elements along the sequence dim (shared/revseq.h) */
#include "../shared/revseq.h"

SELRT_REVSEQ(reverse_sequence, u8, uint8_t, SELRT_U8);
