/* unsorted_segment_max.i32: i32 maximum of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_max, i32, int32_t, SELRT_I32, int32_t, SELRT_SEGMENT_LOWEST_i32, SELRT_SEGMENT_MAX);
