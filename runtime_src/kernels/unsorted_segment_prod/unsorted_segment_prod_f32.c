/* unsorted_segment_prod.f32: f32 product of the data rows of each segment id, identity for empty segments (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(unsorted_segment_prod, f32, float, SELRT_F32, float, 1, SELRT_SEGMENT_MUL);
