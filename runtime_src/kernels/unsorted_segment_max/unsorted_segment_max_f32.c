/* unsorted_segment_max.f32: f32 maximum of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_max, f32, float, SELRT_F32, float, SELRT_SEGMENT_LOWEST_f32, SELRT_SEGMENT_MAX);
