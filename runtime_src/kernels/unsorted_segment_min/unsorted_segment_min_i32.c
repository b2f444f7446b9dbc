/* unsorted_segment_min.i32: i32 minimum of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_min, i32, int32_t, SELRT_I32, int32_t, SELRT_SEGMENT_HIGHEST_i32, SELRT_SEGMENT_MIN);
