/* depth_to_space.f32: NHWC [N,H,W,C] -> [N,H*b,W*b,C/(b*b)]:
 * out[n, h*b+i, w*b+j, c] = in[n, h, w, (i*b+j)*C/(b*b) + c]. The output is
 * written in order, one contiguous run of C/(b*b) channels at a time. */
#include "../shared/movers.h"

SELRT_DEPTH2SPACE(depth_to_space, f32, float, SELRT_F32);
