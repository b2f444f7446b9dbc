/* unsorted_segment_sum.i32: i32 sum of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_sum, i32, int32_t, SELRT_I32, uint32_t, 0, SELRT_SEGMENT_ADD);
