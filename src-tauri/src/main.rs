fn main(){certdesk_app_lib::run()}
