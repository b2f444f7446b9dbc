/* reduce_min.i8: minimum over the axes in axis_mask (input and output share
 * one quantization, as LiteRT requires; shared/qi8.h). */
#include "../shared/qi8.h"

SELRT_QREDUCE(reduce_min, i8, 2);
