/* segment_sum.i32: int32 sum (wrapping) of the data rows of each sorted segment id (shared/segment.h) */
#include "../shared/segment.h"

SELRT_SEGMENT(segment_sum, i32, int32_t, SELRT_I32, uint32_t, 0, SELRT_SEGMENT_ADD);
