#include <idn2.h>
#include <stdlib.h>
