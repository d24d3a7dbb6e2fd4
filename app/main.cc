#include "app/commands.h"

int main(int argc, char** argv) {
  return duplex::app::dispatch(argc, argv);
}
