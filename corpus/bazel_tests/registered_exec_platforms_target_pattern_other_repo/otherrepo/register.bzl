def register_all():
    native.register_execution_platforms("//platforms:all")
