"""The command line: one module per command group, each parsing options, calling one library
function and rendering the result. The top floor: nothing in the library imports it.
"""
