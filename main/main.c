/* placeholder until the command line lands */
#include "main/janus.h"
int main(void)
{
    return 0;
}
