/* unsorted_segment_sum.f32: f32 sum of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_sum, f32, float, SELRT_F32, float, 0, SELRT_SEGMENT_ADD);
