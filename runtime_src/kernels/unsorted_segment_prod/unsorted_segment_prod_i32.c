/* unsorted_segment_prod.i32: i32 product of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_prod, i32, int32_t, SELRT_I32, uint32_t, 1, SELRT_SEGMENT_MUL);
