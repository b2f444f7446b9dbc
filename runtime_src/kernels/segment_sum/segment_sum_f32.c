/* segment_sum.f32: float32 sum of the data rows of each sorted segment id (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(segment_sum, f32, float, SELRT_F32, float, 0, SELRT_SEGMENT_ADD);
