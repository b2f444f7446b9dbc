/* reduce_max.i8: maximum over the axes in axis_mask (input and output share
 * one quantization, as TFLite requires; shared/qi8.h). */
#include "../shared/qi8.h"

SELRT_QREDUCE(reduce_max, i8, 1);
