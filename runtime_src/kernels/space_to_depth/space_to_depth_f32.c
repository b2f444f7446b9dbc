/* space_to_depth.f32: NHWC [N,H,W,C] -> [N,H/b,W/b,C*b*b]:
 * out[n, h, w, (i*b+j)*C + c] = in[n, h*b+i, w*b+j, c]. The output is written
 * in order, one contiguous run of C channels at a time. */
#include "../shared/movers.h"

SELRT_SPACE2DEPTH(space_to_depth, f32, float, SELRT_F32);
